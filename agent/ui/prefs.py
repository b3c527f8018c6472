"""The windows' own preferences, in `ui.json` beside the agent's settings:
where the timer window was, the working-hours reminder. Qt-free."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, time
from pathlib import Path


@dataclass
class UiPrefs:
    window_geometry: str = ""  # QWidget.saveGeometry(), base64
    remind_not_tracking: bool = False
    work_start: str = "09:00"
    work_end: str = "17:00"
    work_days: str = "12345"  # ISO weekdays, 1 = Monday
    remind_after_minutes: int = 15

    @classmethod
    def load(cls, directory: Path) -> UiPrefs:
        try:
            raw = json.loads((directory / "ui.json").read_text())
        except (OSError, ValueError):
            raw = {}
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in raw.items() if k in known})
        except TypeError:
            return cls()

    def save(self, directory: Path) -> None:
        tmp = directory / "ui.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(directory / "ui.json")

    def in_working_hours(self, now: datetime) -> bool:
        """`now` in local time."""
        if str(now.isoweekday()) not in self.work_days:
            return False
        try:
            start, end = time.fromisoformat(self.work_start), time.fromisoformat(self.work_end)
        except ValueError:
            return False
        return start <= now.time() < end
