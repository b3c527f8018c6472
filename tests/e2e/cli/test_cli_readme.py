"""The five-line session the README shows works as written against a real
server seeded with the demo organization (only the server address and the
password's way in differ)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from tests.e2e.cli.conftest import SERVER_ENV, Cli, real_server
from tests.support.process import server_command

ROOT = Path(__file__).resolve().parents[3]


def _readme_session() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("| `hubnity` |", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.startswith("hubnity ")]


def test_the_readme_session_runs(tmp_path, cli: Cli):
    lines = _readme_session()
    assert [line.split()[1:3] for line in lines][:3] == [
        ["login", "--profile"],
        ["timer", "start"],
        ["timer", "stop"],
    ]
    assert len(lines) == 5 and any(" report " in line for line in lines)
    assert lines[-1].startswith("hubnity export ")
    data = tmp_path / "server"
    with real_server("sqlite", data) as server:
        env = {**os.environ, "HUBNITY_DATA_DIR": str(data), **SERVER_ENV}
        seeded = subprocess.run(
            [*server_command(), "demo"], env=env, capture_output=True, text=True, timeout=300
        )
        assert seeded.returncode == 0, seeded.stderr
        email, _, password = (data / "demo-credentials.txt").read_text().strip().partition(" ")
        for line in lines:
            args = shlex.split(line)[1:]
            if args[0] == "login":
                args = [server.url if a == "http://127.0.0.1:8000" else a for a in args]
                assert email in args
                proc = cli.run(*args, "--password-stdin", stdin=password + "\n")
            else:
                proc = cli.run(*args)
            assert proc.returncode == 0, (line, proc.stdout, proc.stderr)
        out_file = shlex.split(lines[-1])[shlex.split(lines[-1]).index("--out") + 1]
        assert (cli.home / out_file).read_bytes().startswith(b"PK")  # an xlsx (zip) file
