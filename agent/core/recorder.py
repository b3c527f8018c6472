"""The core's work of every second while the agent runs.

Each tick notices gaps in the agent's own run and idle time (see
`interruptions`), counts that second's input into the running entry's
activity minutes, fires the screenshot schedule and, every
`heartbeat_seconds` and at each new minute, writes the activity and the
running entry's heartbeat: after a crash or a `kill -9` the entry ends at
its last heartbeat, so at most that much tracked time is lost.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from agent.config import Settings
from agent.core.activity import InputCounter, MinuteBuckets
from agent.core.apps import AppMinutes
from agent.core.clock import Clock, Jump, JumpDetector, floor_minute
from agent.core.idle import IdleDetector, IdlePeriod
from agent.core.interruptions import Interruptions
from agent.core.outbox import Outbox
from agent.core.scheduler import CaptureScheduler
from agent.core.screenshots import Screenshots
from agent.core.tracker import State, Tracker
from shared.schemas import TrackingPolicy


class Recorder:
    def __init__(
        self,
        outbox: Outbox,
        tracker: Tracker,
        clock: Clock,
        settings: Settings,
        policy: Callable[[], TrackingPolicy],
        screenshots: Screenshots,
        rng: random.Random,
        *,
        notify: Callable[[str], None],
        on_gap: Callable[[], None],
        on_idle_return: Callable[[IdlePeriod], None],
    ) -> None:
        self.outbox = outbox
        self.tracker = tracker
        self.clock = clock
        self.settings = settings
        self._policy = policy
        self.screenshots = screenshots
        self.counter = InputCounter(clock)
        self.buckets = MinuteBuckets()
        self.apps = AppMinutes()  # the UI/headless shell sets its platform probe
        self.idle = IdleDetector(policy().idle_timeout_seconds)
        self.scheduler = CaptureScheduler(rng)
        self.jumps = JumpDetector(clock)
        self.interruptions = Interruptions(
            tracker, self.idle, self.counter, self._write_activity, notify
        )
        self._on_gap = on_gap  # the tracker state changed on its own
        self._on_idle_return = on_idle_return  # the user is back: what about that time?
        self._last_heartbeat = clock.monotonic()
        self._last_minute = floor_minute(clock.now())

    def tick(self) -> None:
        """One second of work; the caller holds the agent's lock."""
        now = self.clock.now()
        mono = self.clock.monotonic()
        gap = self.jumps.check()
        if gap.kind is not Jump.NONE and self.interruptions.gap(
            gap.kind, gap.last_wall, gap.elapsed, now
        ):
            self.reset_schedule()
            self._on_gap()
            now = self.clock.now()  # the new entry's record time (see RecordClock)
        drained = self.counter.drain()
        running = self.tracker.state is State.RUNNING and self.tracker.current is not None
        if running:
            # Idle first: input that ends an idle stretch belongs to the
            # entry that begins at the return, not to the idle one.
            period = self.interruptions.check_idle(mono)
            if period is not None:
                self._on_idle_return(period)
            current = self.tracker.current
            assert current is not None
            self.buckets.absorb(current.key, drained, now, current.start)
            policy = self._policy()
            self.apps.sample(current.key, now, policy)
            if (
                policy.screenshots_enabled
                and self.screenshots.capturer is not None
                and self.scheduler.poll(mono, self.idle.idle)
            ):
                self.screenshots.take_soon(current.key, policy.blur_level)
        minute = floor_minute(now)
        if (
            mono - self._last_heartbeat >= self.settings.heartbeat_seconds
            or minute != self._last_minute
        ):
            self._last_heartbeat = mono
            self._last_minute = minute
            if running:
                self.flush_activity()
                self.tracker.heartbeat()

    def flush_activity(self, final: bool = False) -> None:
        """Write the activity buckets. `final` means the running entry ends or
        another begins now (start, pause, stop, switch, quit): the input the
        tick has not taken yet belongs to the running entry, or to none; left
        for the next tick it would land in the next entry, in a minute that
        may lie before that entry's start (which the server refuses)."""
        if final:
            drained = self.counter.drain()
            current = self.tracker.current
            if self.tracker.state is State.RUNNING and current is not None:
                self.buckets.absorb(current.key, drained, self.clock.now(), current.start)
        self._write_activity(final)

    def _write_activity(self, final: bool = False) -> None:
        self.buckets.flush(self.outbox, self.clock.now(), final=final)
        self.apps.flush(self.outbox, self.clock.now(), final=final)

    def reset_schedule(self) -> None:
        self.scheduler.reset(self.clock.monotonic(), self._policy().screenshot_interval_seconds)

    def tracking_started(self, was_running: bool) -> None:
        """The user started or resumed: present now, and the clocks are
        trusted from here on."""
        self.counter.mark_active()
        self.idle.reset()
        self.jumps.reset()
        self.jumps.check()
        if not was_running:
            self.reset_schedule()

    def tracking_halted(self) -> None:
        self.scheduler.stop()

    def policy_changed(self, old: TrackingPolicy, new: TrackingPolicy) -> None:
        self.idle.timeout = new.idle_timeout_seconds
        if (
            old.screenshot_interval_seconds != new.screenshot_interval_seconds
            and self.tracker.state is State.RUNNING
        ):
            self.reset_schedule()
