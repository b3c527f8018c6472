"""Clockify detailed-report CSV (Reports → Detailed → Export → Save as CSV).

Headers as Clockify exports them: `Project,Client,Description,Task,User,Group,
Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),
Duration (decimal),Billable Rate (USD),Billable Amount (USD)`. The date
follows the exporting user's setting (`dateFormat`; `auto` tries
YYYY-MM-DD, then MM/DD/YYYY, then DD/MM/YYYY), times may be 12-hour
(`09:00 AM`), `Duration (h)` is `HH:MM:SS` (`Duration (decimal)` is the
fallback).
"""

from __future__ import annotations

from typing import Any

MAPPING: dict[str, Any] = {
    "email": ["Email"],
    "user": ["User"],
    "date": ["Start Date"],
    "start": ["Start Time"],
    "endDate": ["End Date"],
    "end": ["End Time"],
    "duration": ["Duration (h)", "Duration (decimal)"],
    "project": ["Project"],
    "task": ["Task"],
    "description": ["Description"],
    "billable": ["Billable"],
}
OPTIONS: dict[str, Any] = {"dateFormat": "auto"}
