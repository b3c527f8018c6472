"""`hubnity`: the command line for people and scripts (profiles, timer, entries,
tasks, reports, exports, imports, approvals). It talks to a server over its
HTTP API only and imports nothing from `server/`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def cli_version() -> str:
    try:
        return version("hubnity")
    except PackageNotFoundError:  # running from a checkout without an install
        return "0+unknown"
