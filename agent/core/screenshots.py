"""Screenshots of the running entry: taken off the core thread, stored in the
queue, and deleted by the user within the window the policy allows."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from agent.core.clock import Clock
from agent.core.outbox import WAITING, Outbox, ScreenshotRow
from agent.core.shots import Capturer
from shared.schemas import TrackingPolicy

log = logging.getLogger(__name__)


class Screenshots:
    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        capturer: Capturer | None,
        notify: Callable[[str], None],
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.capturer = capturer
        self.problem: str | None = None  # why capturing fails, shown in the tray
        self._notify = notify
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hubnity-capture")

    def take_soon(self, entry_key: str, blur: int) -> None:
        """Capture now on the capture thread: the core tick does not wait for it."""
        self._pool.submit(self.take, entry_key, self.clock.now(), blur)

    def take(self, entry_key: str, captured_at: datetime, blur: int) -> None:
        assert self.capturer is not None
        try:
            result = self.capturer(blur)
        except Exception as exc:
            log.exception("capture failed")
            self.problem = f"screen capture failed: {exc}"
            return
        self.problem = result.failure
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
            state=WAITING,
            reason=result.failure,
            thumbnail=result.thumbnail,
        )
        try:
            dropped = self.outbox.add_screenshot(row, result.data)
        except (OSError, sqlite3.Error) as exc:  # disk full, permissions: say so, go on
            log.exception("cannot store screenshot")
            self.problem = f"cannot store the screenshot: {exc}"
            return
        if dropped:
            self._notify(f"{dropped} old screenshot(s) dropped: local disk quota reached")

    def wait(self) -> None:
        """Until the captures asked for so far are stored (tests, benchmarks)."""
        self._pool.submit(lambda: None).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def delete(self, key: str, policy: TrackingPolicy) -> str | None:
        """Delete a screenshot before it is uploaded; returns why not, or None."""
        shot = self.outbox.get_screenshot(key)
        if shot is None:
            return "no such screenshot"
        if not policy.allow_screenshot_delete:
            return "your organization does not allow deleting screenshots"
        window = timedelta(minutes=policy.screenshot_delete_window_minutes)
        if self.clock.now() - shot.captured_at > window:
            return "the time allowed for deleting this screenshot has passed"
        if not self.outbox.delete_screenshot(key):
            return "it has already been uploaded"
        return None
