"""The agent manager: wires clock, tracker, activity, idle, capture schedule,
outbox and uploader, and is the one object the UI and the CLI talk to.

Thread model: `tick()` runs once a second on the core thread; UI commands
call the public methods from the Qt thread; captures run on a worker thread;
the uploader has its own thread. One re-entrant lock guards the state.

The parts with a job of their own live beside it: `recorder` (the work of
every second), `interruptions` (gaps and idle time), `screenshots` (taking
and deleting them), `remote` (policy and projects from the server) and
`control` (commands from other processes).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

from agent.config import Settings, load_policy, load_projects, local_timezone
from agent.core.account import bind_account
from agent.core.api import ApiClient
from agent.core.clock import Clock, RecordClock, SystemClock
from agent.core.control import ControlInbox
from agent.core.credentials import CredentialStore, open_store
from agent.core.idle import IdleAction, IdlePeriod
from agent.core.outbox import Outbox
from agent.core.recorder import Recorder
from agent.core.remote import RemoteConfig
from agent.core.screenshots import Screenshots
from agent.core.shots import Capturer
from agent.core.snapshot import Snapshot
from agent.core.tracker import State, Tracker
from agent.core.uploader import Uploader
from shared.limits import MAX_DESCRIPTION_LENGTH
from shared.schemas import ActiveProject, TrackingPolicy

log = logging.getLogger(__name__)


class Agent:
    def __init__(
        self,
        data_dir: Path,
        *,
        clock: Clock | None = None,
        capturer: Capturer | None = None,
        server_url: str | None = None,
        store: CredentialStore | None = None,
        transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Record time: the wall clock, held back from running into time
        # already recorded after it was set back (see RecordClock).
        self.clock = RecordClock(clock or SystemClock())
        self.settings = settings or Settings.load(data_dir)
        if server_url:
            self.settings.server_url = server_url
        self.rng = rng or random.Random()
        self.lock = threading.RLock()
        self.policy: TrackingPolicy = load_policy(data_dir)
        self.projects: list[ActiveProject] = load_projects(data_dir)
        self.outbox = Outbox(data_dir, quota_bytes=self.settings.screenshot_quota_mb * 1024 * 1024)
        self.tracker = Tracker(self.outbox, self.clock, local_timezone(self.policy.timezone))
        self.tracker.project_id = self.settings.last_project_id
        self.tracker.task_id = self.settings.last_task_id
        self.notices: list[str] = []
        self.storage_problem: str | None = None
        self.screenshots = Screenshots(self.outbox, self.clock, capturer, self._notify)
        self.recorder = Recorder(
            self.outbox,
            self.tracker,
            self.clock,
            self.settings,
            lambda: self.policy,
            self.screenshots,
            self.rng,
            notify=self._notify,
            on_gap=self._save_state,
            on_idle_return=self._idle_return,
        )
        self.counter = self.recorder.counter  # the input listeners feed it
        self.idle = self.recorder.idle
        self._store = store or open_store(data_dir)
        self._transport = transport
        self.api = self._make_api()
        self.remote = RemoteConfig(data_dir, self.clock, lambda: self.api, self._apply_remote)
        self.uploader = self._make_uploader()
        self.control = ControlInbox(data_dir)
        self.idle_pending: IdlePeriod | None = None
        self.auto_idle = False  # headless sets True; the tray asks the user instead
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Acknowledged history older than a couple of weeks is not needed locally.
        self.outbox.prune(self.clock.now() - timedelta(days=self.settings.keep_history_days))
        recovered = self.tracker.recover()
        if recovered:
            self._notify(
                f"{recovered} time entry(ies) left open by an unexpected exit were ended "
                "at their last heartbeat"
            )

    def _make_api(self) -> ApiClient:
        return ApiClient(self.settings.server_url, self._store, transport=self._transport)

    def _make_uploader(self) -> Uploader:
        return Uploader(
            self.outbox,
            self.api,
            self.settings.device_id,
            self.clock,
            lambda: self.policy,
            interval=self.settings.sync_interval_seconds,
            spread=self.settings.sync_spread_seconds,
            rng=self.rng,
            before_sync=self.remote.refresh,
        )

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, *, tick_thread: bool = True, uploads: bool = True) -> None:
        self.control.open()
        if uploads and self.api.signed_in:
            self.uploader.start()
        if tick_thread:
            self._thread = threading.Thread(
                target=self.run_forever, name="hubnity-core", daemon=True
            )
            self._thread.start()

    def run_forever(self) -> None:
        """Tick once a second until `shutdown()` (on the core thread, or on the
        calling one when headless), and run commands from other processes."""
        while not self._stop.wait(1.0):
            try:
                self.tick()
                self.control.poll(self.run_command)
                if self.storage_problem is not None:
                    log.warning("local queue writable again")
                    self.storage_problem = None
            except sqlite3.Error as exc:
                # A full disk: the tracker and the activity buckets keep their
                # state in memory and the next tick writes it; say so once.
                if self.storage_problem is None:
                    log.error("cannot write the local queue (disk full?): %s", exc)
                self.storage_problem = (
                    f"Cannot save to this computer's disk ({exc}); is it full? "
                    "Time is kept in memory until it can be saved."
                )
            except Exception:
                # The core must not die from one bad tick; the next one retries.
                log.exception("tick failed")

    def request_stop(self) -> None:
        """Ask `run_forever` to return (from a signal handler)."""
        self._stop.set()

    def shutdown(self, *, stop_tracking: bool = True) -> None:
        """Clean exit: the running entry ends now and the outbox is flushed."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        with self.lock:
            self.recorder.flush_activity(final=True)
            if stop_tracking:
                self.tracker.stop()
            self._save_state()
        self.screenshots.close()
        self.uploader.stop()
        self.api.close()
        self.outbox.close()

    # --- the tick --------------------------------------------------------------------------------

    def tick(self) -> None:
        with self.lock:
            self.recorder.tick()

    def _idle_return(self, period: IdlePeriod) -> None:
        self.idle_pending = period
        if self.auto_idle:  # nobody to ask (headless): the configured default
            self.resolve_idle(IdleAction(self.settings.idle_default))

    # --- commands (any thread) -------------------------------------------------------------------

    def start_tracking(self, project_id: str | None = None, task_id: str | None = None) -> None:
        with self.lock:
            was = self.tracker.state
            self.recorder.flush_activity(final=True)
            if was is State.PAUSED and project_id is None:
                self.tracker.resume()
            else:
                self.tracker.start(project_id, task_id)
            self.recorder.tracking_started(was_running=was is State.RUNNING)
            self._save_state()

    def pause(self) -> None:
        self._halt(self.tracker.pause)

    def stop(self) -> None:
        self._halt(self.tracker.stop)

    def _halt(self, end_entry: Callable[[], None]) -> None:
        with self.lock:
            self.recorder.flush_activity(final=True)
            end_entry()
            self.recorder.tracking_halted()
            self._save_state()

    def switch(self, project_id: str | None, task_id: str | None) -> None:
        with self.lock:
            self.recorder.flush_activity(final=True)
            self.tracker.switch(project_id, task_id)
            self._save_state()

    def resolve_idle(
        self, action: IdleAction, project_id: str | None = None, task_id: str | None = None
    ) -> None:
        """The user's answer about the idle period: keep, discard or give it
        to another project. The entry was already split at the return; keeping
        leaves it as is, discarding ends it where idling began."""
        with self.lock:
            period, self.idle_pending = self.idle_pending, None
            if period is None or action is IdleAction.KEEP:
                return
            self.recorder.interruptions.resolve(period, action, project_id, task_id)
        self.uploader.sync_now()

    def sync_now(self) -> None:
        with self.lock:
            self.recorder.flush_activity()
            if self.tracker.state is State.RUNNING:
                self.tracker.heartbeat()
        if self.api.signed_in:
            self.uploader.start()
            self.uploader.sync_now()

    def delete_screenshot(self, key: str) -> str | None:
        """Delete a screenshot before it is uploaded; returns why not, or None."""
        return self.screenshots.delete(key, self.policy)

    def set_note(self, note: str | None) -> None:
        """What the user is working on: the running entry carries it (sent
        again with a new revision) and so does every entry after it."""
        note = (note or "").strip()[:MAX_DESCRIPTION_LENGTH] or None
        with self.lock:
            if note == self.tracker.description:
                return
            self.tracker.description = note
            if self.tracker.current is not None:
                self.tracker.current.description = note
                self.outbox.update_entry(self.tracker.current.key, description=note)

    def fix_parked(self, key: str, project_id: str | None, task_id: str | None) -> None:
        """Give a refused entry another project; it is sent again."""
        with self.lock:
            self.outbox.requeue_entry(key, project_id=project_id, task_id=task_id)
        self.sync_now()

    def resend_parked(self, key: str) -> None:
        """Send a refused entry again unchanged (its week was reopened, ...)."""
        with self.lock:
            self.outbox.requeue_entry(key)
        self.sync_now()

    def discard_parked(self, key: str) -> None:
        """Give up a refused entry: it is no longer sent nor counted, and
        neither are its screenshots (the server could not place them)."""
        with self.lock:
            self.outbox.dismiss_entry(key)
            for shot in self.outbox.waiting_screenshots(10_000):
                if shot.entry_key == key:
                    self.outbox.delete_screenshot(shot.key)

    def run_command(self, command: str, args: dict[str, str | None]) -> str:
        """A command from another process (`hubnity-agent pause`, see
        `control`); returns what the agent is doing now. A `description`
        (what the user works on) is set first, so a start carries it."""
        if args.get("description") is not None:
            self.set_note(args.get("description"))
        if command == "start":
            self.start_tracking(args.get("project"), args.get("task"))
        elif command == "resume":
            self.start_tracking()
        elif command == "pause":
            self.pause()
        elif command == "stop":
            self.stop()
        elif command == "sync":
            self.sync_now()
        else:
            raise ValueError(f"unknown command {command!r}")
        with self.lock:
            state = self.tracker.state
            project = self.project_name(self.tracker.project_id, self.tracker.task_id)
        if state is State.RUNNING:
            return f"tracking {project or '(no project)'}"
        return state.value

    # --- account ---------------------------------------------------------------------------------

    def sign_in(
        self, server_url: str, email: str, password: str, *, start_uploads: bool = True
    ) -> None:
        """Raises ApiError subclasses with a message fit for the user."""
        self.uploader.stop()
        self.api.close()
        self.settings.server_url = server_url
        self.api = self._make_api()
        self.api.login(email, password)
        bind_account(self.outbox, self.api)
        self.settings.email = email.strip()
        self.settings.save(self.data_dir)
        self.uploader = self._make_uploader()
        self.remote.refresh_now()
        if start_uploads:
            self.uploader.start()

    def sign_out(self) -> None:
        self.stop()
        self.uploader.stop()
        self.api.logout()

    def refresh_now(self) -> None:
        self.remote.refresh_now()

    def _apply_remote(self, policy: TrackingPolicy, projects: list[ActiveProject]) -> None:
        with self.lock:
            self.projects = projects
            self.apply_policy(policy)

    def apply_policy(self, policy: TrackingPolicy) -> None:
        with self.lock:
            old, self.policy = self.policy, policy
            self.recorder.policy_changed(old, policy)

    # --- reading ---------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self.lock:
            st = self.uploader.status
            notices, self.notices = self.notices, []
            return Snapshot(
                state=self.tracker.state,
                project_id=self.tracker.project_id,
                task_id=self.tracker.task_id,
                project_name=self.project_name(self.tracker.project_id, self.tracker.task_id),
                today_seconds=self.tracker.today_seconds(),
                elapsed_seconds=self.tracker.elapsed().total_seconds(),
                depth=self.outbox.depth(),
                last_sync_at=st.last_sync_at,
                online=st.online,
                signed_in=self.api.signed_in,
                auth_required=st.auth_required,
                last_error=st.last_error,
                idle_pending=self.idle_pending,
                capture_problem=self.screenshots.problem,
                storage_problem=self.storage_problem,
                notices=notices,
            )

    def project_name(self, project_id: str | None, task_id: str | None) -> str | None:
        for p in self.projects:
            if p.id == project_id:
                task = next((t.name for t in p.tasks if t.id == task_id), None)
                return f"{p.name} / {task}" if task else p.name
        return None if project_id is None else "(unknown project)"

    # --- internals -------------------------------------------------------------------------------

    def _notify(self, text: str) -> None:
        # Bounded: a headless agent has nobody reading them.
        self.notices = [*self.notices[-19:], text]

    def _save_state(self) -> None:
        self.settings.last_project_id = self.tracker.project_id
        self.settings.last_task_id = self.tracker.task_id
        self.settings.save(self.data_dir)
        self.outbox.set_meta("state", self.tracker.state.value)

    def capture_now(self) -> None:
        """Capture immediately (tests, benchmarks); synchronous."""
        with self.lock:
            key = self.tracker.current.key if self.tracker.current else None
        if key is not None and self.screenshots.capturer is not None:
            self.screenshots.take(key, self.clock.now(), self.policy.blur_level)
