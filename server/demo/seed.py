"""Seeds a demo organization with people, projects, a team and a week of tracked time."""

from __future__ import annotations

import os
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import Organization, Project, Task, Team, TeamMember, User
from server.demo import live as demo_live
from server.demo.live import demo_entry, demo_minute
from server.security.passwords import hash_password
from server.storage.base import Storage
from server.sync.schemas import RawActivity, RawBatch, RawEntry
from server.sync.service import ingest_batch
from shared.enums import Role, TeamRole

DEMO_OWNER = "owner@demo.hubnity.local"
_PEOPLE = [
    ("manager@demo.hubnity.local", "Maria Manager", Role.MANAGER),
    ("alice@demo.hubnity.local", "Alice Anders", Role.MEMBER),
    ("bob@demo.hubnity.local", "Bob Brown", Role.MEMBER),
    ("chen@demo.hubnity.local", "Chen Wei", Role.MEMBER),
]
_PROJECTS = {
    "Website": ["Landing page", "Blog"],
    "Mobile app": ["Login flow", "Offline mode"],
    "Internal": ["Meetings"],
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    created: bool


def _credentials_file(data_dir: Path) -> Path:
    return data_dir / "demo-credentials.txt"


def read_demo_login(data_dir: Path) -> DemoLogin | None:
    path = _credentials_file(data_dir)
    if not path.exists():
        return None
    email, _, password = path.read_text().strip().partition(" ")
    return DemoLogin(email, password, created=False)


async def seed_demo(
    session: AsyncSession, data_dir: Path, days: int = 7, storage: Storage | None = None
) -> DemoLogin:
    existing = (
        await session.execute(select(User).where(User.email == DEMO_OWNER))
    ).scalar_one_or_none()
    if existing is not None:
        login = read_demo_login(data_dir)
        return login or DemoLogin(DEMO_OWNER, "(set when the demo was first created)", False)
    password = secrets.token_urlsafe(9)
    org = Organization(
        name="Demo Company",
        timezone="Europe/Berlin",
        screenshot_interval_seconds=600,
        blur_level=1,
    )
    session.add(org)
    await session.flush()
    pw_hash = hash_password(password)
    owner = User(
        organization_id=org.id,
        email=DEMO_OWNER,
        name="Olivia Owner",
        password_hash=pw_hash,
        timezone=org.timezone,
        role=Role.OWNER.value,
    )
    people = [owner] + [
        User(
            organization_id=org.id,
            email=e,
            name=n,
            password_hash=pw_hash,
            timezone=org.timezone,
            role=r.value,
        )
        for e, n, r in _PEOPLE
    ]
    session.add_all(people)
    projects: list[tuple[Project, list[Task]]] = []
    for name, task_names in _PROJECTS.items():
        p = Project(organization_id=org.id, name=name)
        session.add(p)
        await session.flush()
        tasks = [Task(organization_id=org.id, project_id=p.id, name=t) for t in task_names]
        session.add_all(tasks)
        projects.append((p, tasks))
    team = Team(organization_id=org.id, name="Product team", project_id=projects[0][0].id)
    session.add(team)
    await session.flush()
    session.add(
        TeamMember(
            team_id=team.id,
            user_id=people[1].id,
            organization_id=org.id,
            role=TeamRole.MANAGER.value,
        )
    )
    for member in people[2:]:
        session.add(TeamMember(team_id=team.id, user_id=member.id, organization_id=org.id))
    await session.commit()
    rng = random.Random(42)
    for person in people[1:]:
        await ingest_batch(
            session, org.id, person.id, _week_of_work(rng, projects, org.timezone, days)
        )
    for index, person in enumerate(people[1:]):
        today = demo_live.today_batch(rng, index, projects, org.timezone, utcnow())
        if today is not None:
            await ingest_batch(session, org.id, person.id, today)
    if storage is not None:
        await demo_live.add_screenshots(session, storage, org, people[1:], rng)
    data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (one-off CLI seed)
    path = _credentials_file(data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{DEMO_OWNER} {password}\n")
    return DemoLogin(DEMO_OWNER, password, created=True)


def _week_of_work(
    rng: random.Random, projects: list[tuple[Project, list[Task]]], tz: str, days: int
) -> RawBatch:
    zone = ZoneInfo(tz)
    today = datetime.now(zone).date()
    entries: list[RawEntry] = []
    activity: list[RawActivity] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        cursor = datetime(day.year, day.month, day.day, 9, rng.randint(0, 30), tzinfo=zone)
        for _ in range(3):
            project, tasks = rng.choice(projects)
            length = timedelta(minutes=rng.randint(60, 150))
            start, end = cursor, cursor + length
            key = str(uuid.uuid4())
            entries.append(demo_entry(key, project, rng.choice(tasks), start, end, tz))
            minute = start.astimezone(UTC).replace(second=0, microsecond=0)
            while minute < end:
                if minute >= start.astimezone(UTC).replace(second=0, microsecond=0):
                    active = rng.choice([0, 20, 35, 45, 55, 60, 60])
                    activity.append(demo_minute(rng, key, minute, active))
                minute += timedelta(minutes=1)
            cursor = end + timedelta(minutes=rng.randint(10, 45))
    return RawBatch(device_id="demo-seed", entries=entries, activity=activity)
