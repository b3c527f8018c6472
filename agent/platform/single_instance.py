"""One agent per data dir: two would track the same time twice."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class AlreadyRunning(RuntimeError):
    pass


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "agent.lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        fh = open(self.path, "a+")  # noqa: SIM115 - held for the process lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise AlreadyRunning(f"another agent is running with {self.path.parent}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def held_by_other(self) -> int | None:
        """PID of a running agent holding the lock, or None (used by `status`)."""
        if not self.path.exists():
            return None
        try:
            self.acquire()
        except AlreadyRunning:
            try:
                return int(self.path.read_text().strip() or 0) or -1
            except (OSError, ValueError):
                return -1
        self.release()
        return None

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
