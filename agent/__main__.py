"""`hubnity-agent`: the tray (default), `--headless`, `status`, `login`, `logout`,
and `start`/`resume`/`pause`/`stop`/`sync` for the agent that is running."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from agent.core.control import COMMANDS
from shared.version import __version__


def _fmt_duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hubnity-agent", description="Hubnity time tracking agent")
    p.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "status", "login", "logout", *COMMANDS],
        help="run (default), status, login, logout; start [--project ID [--task ID]], "
        "resume, pause, stop, sync: tell the running agent",
    )
    p.add_argument("--headless", action="store_true", help="run the core without a tray")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("--server-url", help="server address, e.g. https://hubnity.example.com")
    p.add_argument(
        "--data-dir",
        help="where to keep the queue and settings "
        "(default: HUBNITY_AGENT_DATA_DIR or the user data dir)",
    )
    p.add_argument("--email", help="login: account email")
    p.add_argument(
        "--track", action="store_true", help="start tracking at once (last or given project)"
    )
    p.add_argument("--project", help="project id to track")
    p.add_argument("--task", help="task id to track")
    p.add_argument(
        "--description",
        help="what you are working on, sent with the entry (headless, start; '' clears it)",
    )
    p.add_argument(
        "--idle-action",
        choices=["keep", "discard"],
        help="headless: what to do with idle time (default: keep)",
    )
    p.add_argument("--no-capture", action="store_true", help="do not take screenshots")
    p.add_argument("--no-input", action="store_true", help="do not count keyboard/mouse input")
    p.add_argument(
        "--show-window", action="store_true", help="tray: open the timer window at start"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    return p


def _status(data: Path) -> int:
    from agent.config import Settings
    from agent.core.outbox import Outbox
    from agent.platform.single_instance import InstanceLock

    pid = InstanceLock(data).held_by_other()
    outbox = Outbox(data, maintenance=False)
    depth = outbox.depth()
    settings = Settings.load(data)
    state = outbox.get_meta("state", "stopped")
    last_sync = outbox.get_meta("last_sync_at")
    print(f"agent:      {f'running (pid {pid})' if pid else 'not running'}")
    print(f"state:      {state if pid else 'stopped'}")
    print(f"server:     {settings.server_url or '(not signed in)'}")
    print(
        f"queue:      {depth.entries} entries, {depth.activity} activity minutes, "
        f"{depth.screenshots} screenshots ({depth.screenshot_bytes // 1024} KiB)"
    )
    reasons = Counter(e.parked_reason or "refused" for e in outbox.parked_entries())
    why = (
        "; entries: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) if reasons else ""
    )
    print(f"parked:     {depth.parked} (refused by the server; see the tray){why}")
    print(f"dropped:    {depth.dropped_screenshots} screenshots (local disk quota)")
    print(f"last sync:  {last_sync or 'never'}")
    outbox.close()
    return 0


def _login(data: Path, args: argparse.Namespace) -> int:
    from agent.config import Settings
    from agent.core.api import ApiClient, ApiError
    from agent.core.credentials import open_store

    settings = Settings.load(data)
    url = args.server_url or settings.server_url
    email = args.email or settings.email or input("Email: ")
    if not url:
        print("hubnity-agent: give --server-url", file=sys.stderr)
        return 2
    password = os.environ.get("HUBNITY_AGENT_PASSWORD") or getpass.getpass("Password: ")
    from agent.core.account import bind_account
    from agent.core.outbox import Outbox

    api = ApiClient(url, open_store(data))
    outbox = Outbox(data, maintenance=False)
    try:
        api.login(email, password)
        bind_account(outbox, api)
    except ApiError as exc:
        print(f"hubnity-agent: sign-in failed: {exc}", file=sys.stderr)
        return 1
    finally:
        api.close()
        outbox.close()
    settings.server_url, settings.email = api.server_url, email
    settings.save(data)
    print(f"Signed in to {api.server_url} as {email}")
    return 0


def _logout(data: Path) -> int:
    from agent.config import Settings
    from agent.core.api import ApiClient
    from agent.core.credentials import open_store

    settings = Settings.load(data)
    api = ApiClient(settings.server_url, open_store(data))
    api.logout()
    api.close()
    print("Signed out")
    return 0


def _command(data: Path, args: argparse.Namespace) -> int:
    """Tell the running agent (tray or headless) to start, pause, ... ."""
    from agent.core.control import NoAnswer, send
    from agent.platform.single_instance import InstanceLock

    if InstanceLock(data).held_by_other() is None:
        print(f"hubnity-agent: no agent is running with {data}", file=sys.stderr)
        return 1
    try:
        reply = send(
            data, args.command, project=args.project, task=args.task, description=args.description
        )
    except NoAnswer as exc:
        print(f"hubnity-agent: {exc}", file=sys.stderr)
        return 1
    print(reply.message, file=sys.stdout if reply.ok else sys.stderr)
    return 0 if reply.ok else 1


def _headless(data: Path, args: argparse.Namespace) -> int:
    from agent.core.agent import Agent
    from agent.platform.single_instance import AlreadyRunning, InstanceLock

    lock = InstanceLock(data)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"hubnity-agent: {exc}", file=sys.stderr)
        return 3
    capturer = None
    if not args.no_capture:
        from agent.platform.capture import ScreenCapturer

        capturer = ScreenCapturer()
    agent = Agent(data, capturer=capturer, server_url=args.server_url)
    from agent.platform.foreground import make_probe

    agent.recorder.apps.probe = make_probe()  # None where the platform cannot tell
    agent.auto_idle = True
    if args.idle_action:
        agent.settings.idle_default = args.idle_action
    listeners = None
    if not args.no_input:
        from agent.platform.input import InputListeners

        listeners = InputListeners(agent.counter)
        if not listeners.start():
            print(f"hubnity-agent: {listeners.error}", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: agent.request_stop())
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, lambda *_: agent.sync_now())
    if not agent.api.signed_in:
        print(
            "hubnity-agent: not signed in; run `hubnity-agent login --server-url URL` "
            "(tracking is kept locally until then)",
            file=sys.stderr,
        )
    agent.start(tick_thread=False)
    if args.description is not None:
        agent.set_note(args.description)
    if args.track or args.project:
        agent.start_tracking(args.project, args.task)
    print(f"hubnity-agent {__version__} headless; data in {data}", flush=True)
    try:
        agent.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        agent.shutdown()  # first: the entry ends at the moment we were asked to stop
        if listeners:
            listeners.stop()
        lock.release()
    return 0


def _logging(data: Path, verbose: bool, console: bool) -> None:
    """A small rotating log in the data dir (the tray has no console: started at
    login, and under pythonw there is no stderr at all), plus stderr when useful."""
    from logging.handlers import RotatingFileHandler

    handlers: list[logging.Handler] = [
        RotatingFileHandler(data / "agent.log", maxBytes=1_000_000, backupCount=2)
    ]
    if console and sys.stderr is not None:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        print(__version__)
        return 0
    from agent.config import data_dir
    from agent.core.outbox import QueueTooNew

    data = data_dir(args.data_dir)
    _logging(data, args.verbose, console=args.headless or args.command != "run")
    try:
        return _dispatch(data, args)
    except QueueTooNew as exc:  # a downgrade: say so rather than touch the queue
        logging.getLogger("agent").error("%s", exc)
        print(f"hubnity-agent: {exc}", file=sys.stderr)
        return 4


def _dispatch(data: Path, args: argparse.Namespace) -> int:
    if args.command == "status":
        return _status(data)
    if args.command == "login":
        return _login(data, args)
    if args.command == "logout":
        return _logout(data)
    if args.command in COMMANDS:
        return _command(data, args)
    if args.headless:
        return _headless(data, args)
    from agent.ui.app import run_tray

    return run_tray(data, args)


if __name__ == "__main__":
    sys.exit(main())
