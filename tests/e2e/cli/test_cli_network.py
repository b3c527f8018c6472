"""A server that dies under a running command: exit 1 and one readable line."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.e2e.cli.conftest import Cli, cli_command, real_server, register


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_server_killed_mid_command_exits_1_with_a_readable_message(kind, tmp_path, cli: Cli):
    with real_server(kind, tmp_path / "server") as server:
        org = register(server, "Org Killed")
        cli.login("work", org)
        cli.ok("whoami")
        # Freeze the server: the command's request is accepted by the kernel
        # and waits for an answer; then the server dies under it.
        os.kill(server.proc.pid, signal.SIGSTOP)
        try:
            proc = subprocess.Popen(
                [*cli_command(), "report", "team", "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=cli.env({"HUBNITY_TIMEOUT": "60"}),
                cwd=cli.home,
            )
            time.sleep(3)
            assert proc.poll() is None  # still waiting for the frozen server
        finally:
            os.kill(server.proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert out == ""
    assert err == (
        f"hubnity: cannot reach {server.url}: cannot connect (is the server running and the "
        "URL right?)\n"
    ), err
    assert "Traceback" not in err
    # Signing out needs the server: the tokens stay, so the session can still be ended.
    logout = cli.run("logout")
    assert logout.returncode == 1 and "still signed in" in logout.stderr
    assert "work" in cli.credentials()


def test_a_server_that_does_not_answer_in_time_is_a_timeout(tmp_path, cli: Cli):
    with real_server("sqlite", tmp_path / "server") as server:
        org = register(server, "Org Slow")
        cli.login("work", org)
        os.kill(server.proc.pid, signal.SIGSTOP)
        try:
            proc = cli.run("whoami", env={"HUBNITY_TIMEOUT": "2"})
        finally:
            os.kill(server.proc.pid, signal.SIGCONT)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"hubnity: cannot reach {server.url}: no answer within 2 s")
