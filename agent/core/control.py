"""Commands for a running agent from another process: `hubnity-agent pause`.

A command is a small JSON file in `control/` under the data dir (the dir is
0700, the files 0600: only the user who runs the agent can command it). The
client writes `<id>.cmd` atomically and waits for `<id>.reply`; the agent's
loop looks for commands once a second, removes each one before it acts on
it, and answers. Files rather than a socket: the same on every OS, nothing
listens, and an agent killed in the middle leaves at most a stale command,
which the next start throws away instead of running it at a surprising time.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

COMMANDS = ("start", "resume", "pause", "stop", "sync")
STALE_REPLY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    message: str


class NoAnswer(RuntimeError):
    """The agent did not answer in time."""


def control_dir(data_dir: Path) -> Path:
    return data_dir / "control"


def _write_private(path: Path, payload: dict[str, Any]) -> None:
    """Atomically, readable by the user only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh)
    os.replace(tmp, path)


def send(data_dir: Path, command: str, timeout: float = 10.0, **args: str | None) -> Reply:
    """Ask the running agent to do `command`; raises NoAnswer after `timeout`."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    folder = control_dir(data_dir)
    if not folder.is_dir():
        raise NoAnswer("the agent is not listening for commands (is it running?)")
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    request, reply = folder / f"{name}.cmd", folder / f"{name}.reply"
    _write_private(request, {"command": command, "args": args})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = json.loads(reply.read_text())
        except (OSError, ValueError):
            time.sleep(0.02)
            continue
        reply.unlink(missing_ok=True)
        return Reply(bool(answer.get("ok")), str(answer.get("message", "")))
    try:
        request.unlink()
    except FileNotFoundError:
        raise NoAnswer("the agent took the command but did not answer") from None
    raise NoAnswer("the agent did not pick up the command")


class ControlInbox:
    """The agent's side: run the commands other processes left, answer them."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = control_dir(data_dir)

    def open(self) -> None:
        """Ready to receive; anything left from a previous run is thrown away."""
        self.dir.mkdir(mode=0o700, exist_ok=True)
        for path in self.dir.iterdir():
            path.unlink(missing_ok=True)

    def poll(self, handle: Callable[[str, dict[str, str | None]], str]) -> int:
        """Run waiting commands in the order they were given; returns how many."""
        if not self.dir.is_dir():
            return 0
        done = 0
        now = time.time()
        for path in sorted(self.dir.iterdir()):
            if path.suffix == ".reply":
                self._drop_if_stale(path, now)
            if path.suffix != ".cmd":
                continue
            try:
                request = json.loads(path.read_text())
                path.unlink()  # taken: it is never run twice
            except (OSError, ValueError):
                continue  # gone meanwhile, or not ours to read
            command = request.get("command") if isinstance(request, dict) else None
            args = request.get("args") if isinstance(request, dict) else None
            try:
                if command not in COMMANDS or not isinstance(args, dict):
                    raise ValueError(f"unknown command {command!r}")
                answer = {"ok": True, "message": handle(command, args)}
            except Exception as exc:  # answered, logged, and the agent goes on
                log.warning("control command %r failed: %s", command, exc)
                answer = {"ok": False, "message": str(exc)}
            _write_private(path.with_suffix(".reply"), answer)
            done += 1
        return done

    @staticmethod
    def _drop_if_stale(reply: Path, now: float) -> None:
        """An answer nobody fetched: its client gave up waiting."""
        try:
            if now - reply.stat().st_mtime > STALE_REPLY_SECONDS:
                reply.unlink(missing_ok=True)
        except OSError:
            pass  # fetched meanwhile
