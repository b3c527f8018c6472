"""scripts/system-deps.sh installs every program a test requires (CI fails without it)."""

from __future__ import annotations

import re

from tests.deploy.conftest import ROOT
from tests.support.tools import DEBIAN_PACKAGES

SCRIPT = (ROOT / "scripts" / "system-deps.sh").read_text()


def checks() -> dict[str, str]:
    """Program -> package from the script's `command -v PROG ... || need+=(PKG)` lines."""
    found = {}
    for line in SCRIPT.splitlines():
        m = re.search(r"\|\|\s*need\+=\(([\w.+-]+)\)", line)
        if m and line.startswith("command -v"):
            for program in re.findall(r"command -v ([\w.+-]+)", line):
                found[program] = m.group(1)
    return found


def test_every_required_tool_is_installed_by_system_deps():
    installed = checks()
    missing = {p: pkg for p, pkg in DEBIAN_PACKAGES.items() if installed.get(p) != pkg}
    assert not missing, f"scripts/system-deps.sh does not install {missing}"


def test_ci_runs_system_deps():
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    assert "bash scripts/system-deps.sh" in test_sh
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
