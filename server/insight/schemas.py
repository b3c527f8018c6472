"""Bodies of /api/v1/reports/apps and /api/v1/reports/flags (docs/api.md)."""

from __future__ import annotations

import msgspec

from shared.schemas import Wire


class TitleTotal(Wire):
    title: str
    seconds: int


class AppTotal(Wire):
    app: str
    seconds: int
    percent: float  # of the application seconds of that day (or period)
    titles: list[TitleTotal] = []  # only where the policy kept titles


class AppDay(Wire):
    date: str
    seconds: int
    apps: list[AppTotal]


class PersonApps(Wire):
    user_id: str
    name: str
    timezone: str
    days: list[AppDay]


class TeamAppTotal(Wire):
    app: str
    seconds: int
    people: int


class PersonTop(Wire):
    user_id: str
    name: str
    seconds: int
    apps: list[AppTotal]


class TeamApps(Wire):
    team_id: str | None
    from_date: str = msgspec.field(name="from")
    to_date: str = msgspec.field(name="to")
    apps: list[TeamAppTotal] = []
    people: list[PersonTop] = []


class FlagOut(Wire):
    user_id: str
    name: str
    kind: str
    from_time: str = msgspec.field(name="from")
    to_time: str = msgspec.field(name="to")
    score: float = 0.0
    explanation: str = ""


class FlagList(Wire):
    items: list[FlagOut]
