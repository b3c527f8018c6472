"""The license the packages declare is the one whose text is at the repository root."""

from __future__ import annotations

import re

from dockerfile_parse import DockerfileParser

from tests.deploy.conftest import INSTALLERS, ROOT, pyproject

SPDX = "AGPL-3.0-or-later"


def test_license_text_is_the_agpl_the_packages_declare():
    text = (ROOT / "LICENSE").read_text()
    assert text.split("\n", 2)[:2] == [
        "                    GNU AFFERO GENERAL PUBLIC LICENSE",
        "                       Version 3, 19 November 2007",
    ]
    assert text.rstrip().endswith("<https://www.gnu.org/licenses/>.")
    assert pyproject()["project"]["license"] == SPDX
    labels = DockerfileParser(path=str(INSTALLERS / "Dockerfile")).labels
    assert labels["org.opencontainers.image.licenses"] == SPDX
    debian = (INSTALLERS / "linux" / "copyright").read_text()
    assert re.search(rf"^License: {re.escape(SPDX)}$", debian, flags=re.MULTILINE)
