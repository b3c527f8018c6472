"""Toggl Track detailed-report CSV (Reports → Detailed → Export CSV).

Headers as Toggl exports them: `User,Email,Client,Project,Task,Description,
Billable,Start date,Start time,End date,End time,Duration,Tags,Amount (USD)`
(newer exports say `Stop date`/`Stop time`). Dates `YYYY-MM-DD`, times and
`Duration` `HH:MM:SS`, `Billable` Yes/No, local times of the exporting user
(set `timezone`). There may be a UTF-8 BOM.
"""

from __future__ import annotations

from typing import Any

MAPPING: dict[str, Any] = {
    "email": ["Email"],
    "user": ["User"],
    "date": ["Start date"],
    "start": ["Start time"],
    "endDate": ["End date", "Stop date"],
    "end": ["End time", "Stop time"],
    "duration": ["Duration"],
    "project": ["Project"],
    "task": ["Task"],
    "description": ["Description"],
    "billable": ["Billable"],
}
OPTIONS: dict[str, Any] = {"dateFormat": "YYYY-MM-DD"}
