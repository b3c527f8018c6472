"""The command line's pieces that need no server: help on every command,
dates and durations, the HTTP client's retry rule (against a real local HTTP
server that answers 503)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.app import cli
from cli.client import Api
from cli.credentials import FileStore, Tokens
from cli.dates import parse_day
from cli.errors import CliError, UsageError
from cli.output import duration
from cli.resolve import parse_duration


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help_with_an_example_and_the_common_options():
    runner = CliRunner()
    paths = [(), *_commands(cli)]
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"], prog_name="hubnity")
        assert result.exit_code == 0, (path, result.output)
        example = re.search(r"Example:\n {4}(\S.*)?hubnity " + " ".join(path), result.output)
        assert example, (path, result.output)
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if not isinstance(command, click.Group) and path != ("completion",):
            for option in ("--profile", "--json", "--quiet"):
                assert option in result.output, (path, option)


def test_completion_scripts_come_from_click():
    result = CliRunner().invoke(cli, ["completion", "bash"])
    assert result.exit_code == 0 and "_HUBNITY_COMPLETE=bash_complete" in result.output


def test_dates_accept_words_and_iso_days():
    wednesday = date(2026, 12, 2)
    assert parse_day("today", False, wednesday) == wednesday
    assert parse_day("yesterday", True, wednesday) == date(2026, 12, 1)
    assert parse_day("this-week", False, wednesday) == date(2026, 11, 30)
    assert parse_day("this-week", True, wednesday) == date(2026, 12, 6)
    assert parse_day("last-week", False, wednesday) == date(2026, 11, 23)
    assert parse_day("this-month", True, wednesday) == date(2026, 12, 31)
    assert parse_day("last-month", False, wednesday) == date(2026, 11, 1)
    assert parse_day("last-month", True, date(2026, 3, 15)) == date(2026, 2, 28)
    assert parse_day("2026-02-28", False, wednesday) == date(2026, 2, 28)
    with pytest.raises(click.BadParameter):
        parse_day("next tuesday", False, wednesday)


def test_durations_read_and_written_for_people():
    assert parse_duration("1h30m") == 5400 and parse_duration("45m") == 2700
    assert parse_duration("3600") == 3600 and parse_duration("2h") == 7200
    with pytest.raises(UsageError):
        parse_duration("a while")
    assert [duration(s) for s in (0, 35, 2700, 5400, 90061)] == [
        "0s",
        "35s",
        "45m 00s",
        "1h 30m",
        "25h 01m",
    ]


class _Busy(BaseHTTPRequestHandler):
    calls: list[str] = []

    def _answer(self) -> None:
        self.calls.append(self.command)
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        body = b'{"statusCode": 503, "detail": "database unavailable"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def busy_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Busy.calls = []
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_only_idempotent_calls_are_retried(busy_server: str, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("cli.client.BACKOFF", 0.01)
    store = FileStore(tmp_path / "credentials.json")
    store.save("p", Tokens("access", "refresh"))
    api = Api(busy_server, "p", store, tmp_path, timeout=5)
    for method in ("GET", "PUT", "DELETE", "POST", "PATCH"):
        _Busy.calls = []
        with pytest.raises(CliError) as failure:
            api.call(method, "/api/v1/anything")
        assert failure.value.message == "the server failed (503): database unavailable"
        assert _Busy.calls == [method] * (3 if method in ("GET", "PUT", "DELETE") else 1)
    _Busy.calls = []
    with pytest.raises(CliError):
        api.get("/api/v1/reports/export", idempotent=False)  # a GET that starts a job
    assert _Busy.calls == ["GET"]
    api.close()
