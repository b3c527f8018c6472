"""The agent manager: wires clock, tracker, activity, idle, capture schedule,
outbox and uploader, and is the one object the UI and the CLI talk to.

Thread model: `tick()` runs once a second on the core thread; UI commands
call the public methods from the Qt thread; captures run on a worker thread;
the uploader has its own thread. One re-entrant lock guards the state.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from agent.config import (
    Settings,
    load_policy,
    load_projects,
    local_timezone,
    save_policy,
    save_projects,
)
from agent.core.account import bind_account
from agent.core.activity import InputCounter, MinuteBuckets
from agent.core.api import ApiClient, Rejected
from agent.core.clock import Clock, Jump, JumpDetector, SystemClock, floor_minute
from agent.core.credentials import CredentialStore, open_store
from agent.core.idle import IdleAction, IdleDetector, IdlePeriod
from agent.core.outbox import Outbox, QueueDepth, ScreenshotRow
from agent.core.scheduler import CaptureScheduler
from agent.core.shots import Capturer
from agent.core.tracker import State, Tracker
from agent.core.uploader import Uploader
from shared.schemas import ActiveProject, TrackingPolicy

log = logging.getLogger(__name__)

POLICY_REFRESH_SECONDS = 600.0


@dataclass
class Snapshot:
    """Everything the tray shows, read in one go."""

    state: State
    project_id: str | None
    task_id: str | None
    project_name: str | None
    today_seconds: float
    elapsed_seconds: float
    depth: QueueDepth
    last_sync_at: datetime | None
    online: bool
    signed_in: bool
    auth_required: bool
    last_error: str | None
    idle_pending: IdlePeriod | None
    capture_problem: str | None
    notices: list[str] = field(default_factory=list)


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
        self.clock = clock or SystemClock()
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
        self.counter = InputCounter(self.clock)
        self.buckets = MinuteBuckets()
        self.idle = IdleDetector(self.policy.idle_timeout_seconds)
        self.scheduler = CaptureScheduler(self.rng)
        self.jumps = JumpDetector(self.clock)
        self.capturer = capturer
        self._capture_pool = ThreadPoolExecutor(1, thread_name_prefix="hubnity-capture")
        self._store = store or open_store(data_dir)
        self._transport = transport
        self.api = self._make_api()
        self.uploader = self._make_uploader()
        self.idle_pending: IdlePeriod | None = None
        self.auto_idle = False  # headless sets True; the tray asks the user instead
        self.capture_problem: str | None = None
        self.notices: list[str] = []
        self._last_heartbeat = self.clock.monotonic()
        self._last_minute = floor_minute(self.clock.now())
        self._policy_fetched = -POLICY_REFRESH_SECONDS
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
            before_sync=self._refresh_remote,
        )

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, *, tick_thread: bool = True, uploads: bool = True) -> None:
        if uploads and self.api.signed_in:
            self.uploader.start()
        if tick_thread:
            self._thread = threading.Thread(target=self._loop, name="hubnity-core", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.tick()
            except Exception:
                # The core must not die from one bad tick; the next one retries.
                log.exception("tick failed")

    def run_forever(self) -> None:
        """Headless: tick on the calling thread until `shutdown()`."""
        while not self._stop.wait(1.0):
            try:
                self.tick()
            except Exception:
                log.exception("tick failed")

    def shutdown(self, *, stop_tracking: bool = True) -> None:
        """Clean exit: the running entry ends now and the outbox is flushed."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        with self.lock:
            self._flush_activity(final=True)
            if stop_tracking:
                self.tracker.stop()
            self._save_state()
        self._capture_pool.shutdown(wait=True)
        self.uploader.stop()
        self.api.close()
        self.outbox.close()

    # --- the tick --------------------------------------------------------------------------------

    def tick(self) -> None:
        with self.lock:
            now = self.clock.now()
            mono = self.clock.monotonic()
            gap = self.jumps.check()
            if gap.kind is not Jump.NONE:
                self._on_gap(gap.kind, gap.last_wall, gap.elapsed, now)
            drained = self.counter.drain()
            running = self.tracker.state is State.RUNNING and self.tracker.current is not None
            if running:
                # Idle first: input that ends an idle stretch belongs to the
                # entry that begins at the return, not to the idle one.
                self._check_idle(mono)
                assert self.tracker.current is not None
                self.buckets.absorb(self.tracker.current.key, drained, now)
                if (
                    self.policy.screenshots_enabled
                    and self.capturer is not None
                    and self.scheduler.poll(mono, self.idle.idle)
                ):
                    self._capture_async(self.tracker.current.key)
            minute = floor_minute(now)
            if (
                mono - self._last_heartbeat >= self.settings.heartbeat_seconds
                or minute != self._last_minute
            ):
                self._last_heartbeat = mono
                self._last_minute = minute
                if running:
                    self._flush_activity()
                    self.tracker.heartbeat()

    def _on_gap(self, kind: Jump, last_wall: datetime, elapsed: float, now: datetime) -> None:
        if self.tracker.state is not State.RUNNING:
            return
        self._flush_activity(final=True)
        if kind is Jump.CLOCK_CHANGED:
            # The wall clock was set: the entry keeps the time that really passed.
            ended = last_wall + timedelta(seconds=elapsed)
            self.tracker.interrupt(ended, now)
            self._notify("The system clock changed; tracking continues in a new entry.")
        else:
            asleep = (now - last_wall).total_seconds()
            # A short nap is a blip; after a long one the user decides to go on.
            resume = now if asleep < self.idle.timeout else None
            self.tracker.interrupt(last_wall, resume)
            self._notify(
                f"The computer was asleep or frozen for {int(asleep // 60)} min; "
                + ("tracking continues." if resume else "tracking stopped at the last heartbeat.")
            )
        self.idle.reset()
        self._reset_schedule()
        self._save_state()

    def _check_idle(self, mono: float) -> None:
        was_idle = self.idle.idle
        period = self.idle.observe(mono, self.counter.last_input_mono, self.counter.last_input_wall)
        if not was_idle and self.idle.idle:
            self._flush_activity()
        if period is not None and self.tracker.current is not None:
            # Split at the return right away, so that the answer (maybe given
            # minutes later, after uploads) only ever shortens a finished entry.
            self._flush_activity(final=True)
            old_key = self.tracker.split(period[1])
            assert old_key is not None
            self.idle_pending = IdlePeriod(period[0], period[1], old_key)
            if self.auto_idle:  # nobody to ask (headless): the configured default
                self.resolve_idle(IdleAction(self.settings.idle_default))

    # --- commands (any thread) -------------------------------------------------------------------

    def start_tracking(self, project_id: str | None = None, task_id: str | None = None) -> None:
        with self.lock:
            was = self.tracker.state
            self._flush_activity(final=True)
            if was is State.PAUSED and project_id is None:
                self.tracker.resume()
            else:
                self.tracker.start(project_id, task_id)
            self.counter.mark_active()
            self.idle.reset()
            self.jumps.reset()
            self.jumps.check()
            if was is not State.RUNNING:
                self._reset_schedule()
            self._save_state()

    def pause(self) -> None:
        with self.lock:
            self._flush_activity(final=True)
            self.tracker.pause()
            self.scheduler.stop()
            self._save_state()

    def stop(self) -> None:
        with self.lock:
            self._flush_activity(final=True)
            self.tracker.stop()
            self.scheduler.stop()
            self._save_state()

    def switch(self, project_id: str | None, task_id: str | None) -> None:
        with self.lock:
            self._flush_activity(final=True)
            self.tracker.switch(project_id, task_id)
            self._save_state()

    def resolve_idle(
        self, action: IdleAction, project_id: str | None = None, task_id: str | None = None
    ) -> None:
        """The user's answer about the idle period: keep, discard or give it
        to another project. The entry was already split at the return; keeping
        leaves it as is, discarding ends it where idling began."""
        with self.lock:
            period = self.idle_pending
            self.idle_pending = None
            if period is None or action is IdleAction.KEEP:
                return
            # The second of the last input was active: it stays tracked, which
            # also keeps that input's minute inside the entry.
            cut = min(period.end, period.start + timedelta(seconds=1))
            self.tracker.trim_end(period.entry_key, cut)
            if action is IdleAction.REASSIGN and cut < period.end:
                self.tracker.add_closed(cut, period.end, project_id, task_id)
        self.uploader.sync_now()

    def sync_now(self) -> None:
        with self.lock:
            self._flush_activity()
            if self.tracker.state is State.RUNNING:
                self.tracker.heartbeat()
        if self.api.signed_in:
            self.uploader.start()
            self.uploader.sync_now()

    def delete_screenshot(self, key: str) -> str | None:
        """Delete a screenshot before it is uploaded; returns why not, or None."""
        shot = self.outbox.get_screenshot(key)
        if shot is None:
            return "no such screenshot"
        if not self.policy.allow_screenshot_delete:
            return "your organization does not allow deleting screenshots"
        window = timedelta(minutes=self.policy.screenshot_delete_window_minutes)
        if self.clock.now() - shot.captured_at > window:
            return "the time allowed for deleting this screenshot has passed"
        if not self.outbox.delete_screenshot(key):
            return "it has already been uploaded"
        return None

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
        self._policy_fetched = -POLICY_REFRESH_SECONDS
        self._refresh_remote()
        if start_uploads:
            self.uploader.start()

    def sign_out(self) -> None:
        with self.lock:
            self._flush_activity(final=True)
            self.tracker.stop()
            self._save_state()
        self.uploader.stop()
        self.api.logout()

    def _refresh_remote(self) -> None:
        """Policy and project list, at most every few minutes (on the sync thread)."""
        if self.clock.monotonic() - self._policy_fetched < POLICY_REFRESH_SECONDS:
            return
        try:
            policy = self.api.policy()
            projects = self.api.active_projects()
        except Rejected as exc:
            # A refusal here must not stop uploads (they do not depend on it):
            # keep the cached policy and try again next period.
            log.warning("could not refresh policy/projects: %s", exc)
            self._policy_fetched = self.clock.monotonic()
            return
        self._policy_fetched = self.clock.monotonic()
        save_policy(self.data_dir, policy)
        save_projects(self.data_dir, projects)
        with self.lock:
            self.projects = projects
            self.apply_policy(policy)

    def refresh_now(self) -> None:
        self._policy_fetched = -POLICY_REFRESH_SECONDS
        self._refresh_remote()

    def apply_policy(self, policy: TrackingPolicy) -> None:
        with self.lock:
            old = self.policy
            self.policy = policy
            self.idle.timeout = policy.idle_timeout_seconds
            if (
                old.screenshot_interval_seconds != policy.screenshot_interval_seconds
                and self.tracker.state is State.RUNNING
            ):
                self._reset_schedule()

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
                capture_problem=self.capture_problem,
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

    def _flush_activity(self, *, final: bool = False) -> None:
        self.buckets.flush(self.outbox, self.clock.now(), final=final)

    def _reset_schedule(self) -> None:
        self.scheduler.reset(self.clock.monotonic(), self.policy.screenshot_interval_seconds)

    def _save_state(self) -> None:
        self.settings.last_project_id = self.tracker.project_id
        self.settings.last_task_id = self.tracker.task_id
        self.settings.save(self.data_dir)
        self.outbox.set_meta("state", self.tracker.state.value)

    def _capture_async(self, entry_key: str) -> None:
        blur = self.policy.blur_level
        captured_at = self.clock.now()
        self._capture_pool.submit(self._capture, entry_key, captured_at, blur)

    def _capture(self, entry_key: str, captured_at: datetime, blur: int) -> None:
        assert self.capturer is not None
        try:
            result = self.capturer(blur)
        except Exception as exc:
            log.exception("capture failed")
            self.capture_problem = f"screen capture failed: {exc}"
            return
        self.capture_problem = result.failure
        meta = dict(result.metadata)
        if result.failure:
            meta["captureFailed"] = True
            meta["captureProblem"] = result.failure
        row = ScreenshotRow(
            key=str(uuid.uuid4()),
            entry_key=entry_key,
            captured_at=captured_at,
            file=None,
            size=0,
            content_type=result.content_type,
            blur_level=blur,
            metadata=meta,
            state="waiting",
            reason=result.failure,
            thumbnail=result.thumbnail,
        )
        try:
            dropped = self.outbox.add_screenshot(row, result.data)
        except (OSError, sqlite3.Error) as exc:  # disk full, permissions: say so, go on
            log.exception("cannot store screenshot")
            self.capture_problem = f"cannot store the screenshot: {exc}"
            return
        if dropped:
            self._notify(f"{dropped} old screenshot(s) dropped: local disk quota reached")

    def capture_now(self) -> None:
        """Capture immediately (tests, benchmarks); synchronous."""
        with self.lock:
            key = self.tracker.current.key if self.tracker.current else None
        if key is not None and self.capturer is not None:
            self._capture(key, self.clock.now(), self.policy.blur_level)
