"""docs/deploy.md stays true to the tree; the systemd unit of the single-process mode."""

from __future__ import annotations

import re
import subprocess

from tests.deploy.conftest import INSTALLERS, ROOT, assert_console_script, server_env_names
from tests.support.tools import require_tool

DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
UNIT = INSTALLERS / "linux" / "hubnity-server.service"


def test_every_file_the_guide_names_exists():
    named = set(re.findall(r"`((?:installers|scripts|bench|docs)/[\w./-]+|compose\.yaml)`", DEPLOY))
    assert len(named) >= 10
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, missing


def test_every_variable_in_the_guide_is_read_by_the_server():
    table = DEPLOY[DEPLOY.index("## Configuration"):DEPLOY.index("## Single process")]
    names = set(re.findall(r"^\| `([A-Z_]+)`", table, flags=re.MULTILINE))
    names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table.split("\n", 3)[3]))
    unknown = sorted(n for n in names if n not in server_env_names())
    assert not unknown, unknown


def unit_entries() -> list[tuple[str, str]]:
    entries = []
    for line in UNIT.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            entries.append((key, value))
    return entries


def test_systemd_unit_runs_the_server_console_script_with_known_settings():
    entries = unit_entries()
    (exec_start,) = [v for k, v in entries if k == "ExecStart"]
    assert exec_start.startswith("/") and exec_start.rsplit("/", 1)[1] == "hubnity-server"
    assert_console_script("hubnity-server")
    env = dict(v.split("=", 1) for k, v in entries if k == "Environment")
    assert set(env) <= server_env_names()
    assert env["HUBNITY_DATA_DIR"] == "/var/lib/hubnity"
    assert ("StateDirectory", "hubnity") in entries, "systemd creates the data dir for the user"
    assert ("User", "hubnity") in entries


def test_systemd_unit_passes_systemd_analyze():
    analyze = require_tool("systemd-analyze", "verify the server's systemd unit")
    result = subprocess.run([analyze, "verify", str(UNIT)], capture_output=True, text=True)
    problems = [ln for ln in (result.stdout + result.stderr).splitlines()
                if ln.strip() and "is not executable: No such file or directory" not in ln]
    assert not problems, problems
