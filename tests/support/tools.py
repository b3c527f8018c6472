"""External programs the tests drive for real; in CI a missing one is a failure.

Locally (CI unset) a test that needs a program this machine lacks is skipped
with a loud reason. Under `CI=true` the same test fails: CI installs every one
of them (scripts/system-deps.sh, run by .ci/run), so a skip there would hide a
broken setup. PostgreSQL and Redis behave the same way (tests/support/services.py).
"""

from __future__ import annotations

import shutil

import pytest

from tests.support.services import in_ci

# Program -> the Debian package that ships it. scripts/system-deps.sh installs
# each of these packages (tests/deploy/test_system_deps.py holds it to that).
DEBIAN_PACKAGES = {
    "Xvfb": "xvfb",
    "xdotool": "xdotool",
    "trayer": "trayer",
    "xdpyinfo": "x11-utils",
    "xwininfo": "x11-utils",
    "xmessage": "x11-utils",
    "chromium": "chromium",
    "dpkg": "dpkg",
    "dpkg-deb": "dpkg",
    "systemd-analyze": "systemd",
    "desktop-file-validate": "desktop-file-utils",
    "slapd": "slapd",
    "ldapadd": "ldap-utils",
    "prlimit": "util-linux",
}


def require(ok: bool, message: str, fix: str) -> None:
    """Skip loudly (locally) or fail (CI) unless `ok`."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{message}; CI must provide it ({fix})", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message} ({fix})")


def require_tool(name: str, why: str) -> str:
    """The path of program `name`, needed to `why`; skips locally / fails in CI without it."""
    if name not in DEBIAN_PACKAGES:
        raise KeyError(f"{name}: add it and its Debian package to DEBIAN_PACKAGES")
    path = shutil.which(name)
    require(
        path is not None,
        f"{name} is not installed; it is needed to {why}",
        f"apt-get install {DEBIAN_PACKAGES[name]}, or run scripts/system-deps.sh",
    )
    assert path is not None
    return path
