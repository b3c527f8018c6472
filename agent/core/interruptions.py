"""Time the agent cannot vouch for: gaps in its own run and idle stretches.

- A **gap** (the computer slept, the process was frozen, the wall clock was
  set) ends the running entry where the gap began. After a clock change the
  entry keeps the time that really passed and tracking goes on; after a short
  nap (shorter than the idle timeout) it goes on in a new entry; after a long
  one tracking stops.
- **Idle**: when input comes back after the idle timeout, the running entry
  is split at the return at once, so that the user's answer (keep, discard,
  reassign; maybe given minutes later, after uploads) only ever shortens a
  finished entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from agent.core.activity import InputCounter
from agent.core.clock import Jump
from agent.core.idle import IdleAction, IdleDetector, IdlePeriod
from agent.core.tracker import State, Tracker


class Interruptions:
    def __init__(
        self,
        tracker: Tracker,
        idle: IdleDetector,
        counter: InputCounter,
        flush_activity: Callable[[bool], None],
        notify: Callable[[str], None],
    ) -> None:
        self.tracker = tracker
        self.idle = idle
        self.counter = counter
        self._flush = flush_activity  # (final) -> None
        self._notify = notify

    def gap(self, kind: Jump, last_wall: datetime, elapsed: float, now: datetime) -> bool:
        """End the running entry where the gap began; False if nothing was running."""
        if self.tracker.state is not State.RUNNING:
            return False
        self._flush(True)
        if kind is Jump.CLOCK_CHANGED:
            # The wall clock was set: the entry keeps the time that really passed.
            ended = last_wall + timedelta(seconds=elapsed)
            self.tracker.interrupt(ended, resume=True)
            self._notify("The system clock changed; tracking continues in a new entry.")
        else:
            asleep = (now - last_wall).total_seconds()
            # A short nap is a blip; after a long one the user decides to go on.
            resume = asleep < self.idle.timeout
            self.tracker.interrupt(last_wall, resume)
            self._notify(
                f"The computer was asleep or frozen for {int(asleep // 60)} min; "
                + ("tracking continues." if resume else "tracking stopped at the last heartbeat.")
            )
        self.idle.reset()
        return True

    def check_idle(self, mono: float) -> IdlePeriod | None:
        """Watch for idling while tracking; when the user is back, split the
        entry at the return and hand the idle period over for an answer."""
        was_idle = self.idle.idle
        period = self.idle.observe(mono, self.counter.last_input_mono, self.counter.last_input_wall)
        if not was_idle and self.idle.idle:
            self._flush(False)
        if period is None or self.tracker.current is None:
            return None
        self._flush(True)
        old_key = self.tracker.split(period[1])
        assert old_key is not None
        return IdlePeriod(period[0], period[1], old_key)

    def resolve(
        self,
        period: IdlePeriod,
        action: IdleAction,
        project_id: str | None = None,
        task_id: str | None = None,
    ) -> None:
        """Apply the answer to the (already split) idle period: keeping leaves
        the entry as it is, discarding ends it where idling began, reassigning
        also gives that stretch to another project."""
        if action is IdleAction.KEEP:
            return
        # The second of the last input was active: it stays tracked, which
        # also keeps that input's minute inside the entry.
        cut = min(period.end, period.start + timedelta(seconds=1))
        self.tracker.trim_end(period.entry_key, cut)
        if action is IdleAction.REASSIGN and cut < period.end:
            self.tracker.add_closed(cut, period.end, project_id, task_id)
