"""Demo data a manager sees first: today's work (some of it still running) and
screenshots behind the entries, so the dashboard and a person's day are not empty.

Screenshots are drawn with Pillow (a fake desktop per project), processed by the
same imaging code as real uploads (blur per policy, JPEG thumbnail), stored
through the configured storage backend and recorded READY.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import Organization, Project, Screenshot, Task, TimeEntry, User
from server.screenshots import imaging
from server.screenshots.common import object_key, thumb_key
from server.storage.base import Storage
from server.sync.schemas import RawActivity, RawBatch, RawEntry
from shared.enums import ScreenshotStatus

# (minutes ago the entry started, minutes ago it ended or None while running)
_TODAY: list[list[tuple[int, int | None]]] = [
    [(240, 130), (55, None)],  # the manager: a morning block, tracking again now
    [(80, None)],  # tracking now
    [(180, 60)],  # worked earlier today
    [],  # not started today
]
_PALETTE = [(36, 99, 235), (22, 163, 74), (217, 119, 6), (147, 51, 234), (220, 38, 38)]
SHOTS_PER_PERSON = 10


def demo_entry(
    key: str, project: Project, task: Task, start: datetime, end: datetime | None, tz: str
) -> RawEntry:
    """One entry as an agent would send it; open-ended while it runs."""
    return RawEntry(
        idempotency_key=key,
        revision=1,
        project_id=str(project.id),
        task_id=str(task.id),
        start_time=start.isoformat(),
        end_time=end.isoformat() if end else None,
        status="STOPPED" if end else "RUNNING",
        timezone=tz,
        description=f"Work on {project.name}",
    )


def demo_minute(rng: random.Random, key: str, minute: datetime, active: int) -> RawActivity:
    """One activity minute with believable counts for `active` seconds of input."""
    return RawActivity(
        time_entry_key=key,
        minute=minute.astimezone(UTC).isoformat(),
        keyboard_clicks=active * rng.randint(0, 3),
        mouse_movements=active * rng.randint(1, 6),
        active_seconds=active,
    )


def today_batch(
    rng: random.Random,
    index: int,
    projects: list[tuple[Project, list[Task]]],
    tz: str,
    now: datetime,
) -> RawBatch | None:
    plan = _TODAY[index % len(_TODAY)]
    if not plan:
        return None
    now = now.replace(second=0, microsecond=0)
    entries: list[RawEntry] = []
    activity: list[RawActivity] = []
    for started, ended in plan:
        project, tasks = rng.choice(projects)
        start = now - timedelta(minutes=started)
        end = now - timedelta(minutes=ended) if ended is not None else None
        key = str(uuid.uuid4())
        entries.append(demo_entry(key, project, rng.choice(tasks), start, end, tz))
        minute = start
        while minute < (end or now):
            active = rng.choice([20, 35, 45, 55, 60, 60])
            activity.append(demo_minute(rng, key, minute, active))
            minute += timedelta(minutes=1)
    return RawBatch(device_id="demo-seed", entries=entries, activity=activity)


def _picture(rng: random.Random, title: str, when: datetime, color: tuple[int, int, int]) -> bytes:
    w, h = 1280, 800
    img = Image.new("RGB", (w, h), (30, 34, 44))
    draw = ImageDraw.Draw(img)
    for y in range(0, h, 8):  # desktop gradient
        shade = int(40 + 30 * y / h)
        draw.rectangle([0, y, w, y + 8], fill=(shade // 2, shade // 2 + 10, shade + 20))
    font = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=16)
    x0, y0 = rng.randint(40, 140), rng.randint(40, 90)
    draw.rounded_rectangle([x0, y0, x0 + 980, y0 + 620], 12, fill=(250, 250, 252))
    draw.rounded_rectangle([x0, y0, x0 + 980, y0 + 48], 12, fill=color)
    draw.text((x0 + 20, y0 + 12), title, fill=(255, 255, 255), font=font)
    for i in range(16):  # lines of "code"
        indent = rng.choice([0, 0, 28, 56])
        length = rng.randint(180, 700)
        fill = rng.choice([(90, 96, 110), color, (160, 120, 40), (60, 140, 90)])
        draw.rounded_rectangle(
            [x0 + 30 + indent, y0 + 80 + i * 32, x0 + 30 + indent + length, y0 + 94 + i * 32],
            5,
            fill=fill,
        )
    draw.rectangle([0, h - 36, w, h], fill=(20, 22, 30))
    draw.text((w - 90, h - 29), when.strftime("%H:%M"), fill=(230, 230, 230), font=small)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


async def add_screenshots(
    session: AsyncSession,
    storage: Storage,
    org: Organization,
    people: list[User],
    rng: random.Random,
) -> int:
    """Screenshots every 10 minutes inside each person's latest entries."""
    count = 0
    names = {
        p.id: p.name
        for p in (
            await session.execute(select(Project).where(Project.organization_id == org.id))
        ).scalars()
    }
    now = utcnow()
    for person in people:
        entries = (
            (
                await session.execute(
                    select(TimeEntry)
                    .where(TimeEntry.user_id == person.id)
                    .order_by(TimeEntry.start_time.desc())
                    .limit(4)
                )
            )
            .scalars()
            .all()
        )
        shots: list[tuple[TimeEntry, datetime]] = []
        for e in entries:
            at = e.start_time + timedelta(minutes=rng.randint(1, 9))
            while at < (e.end_time or now) and len(shots) < SHOTS_PER_PERSON:
                shots.append((e, at))
                at += timedelta(minutes=10)
        for e, at in shots:
            title = f"{names.get(e.project_id, 'Work') if e.project_id else 'Work'} - editor"
            color = _PALETTE[hash(e.project_id) % len(_PALETTE)]
            data = _picture(rng, title, at.astimezone(ZoneInfo(person.timezone)), color)
            done = imaging.process(data, "image/jpeg", org.blur_level)
            shot_id = uuid.uuid4()
            key = object_key(org.id, person.id, shot_id, at, "image/jpeg")
            full = done.full or data
            await storage.put_bytes(key, full, "image/jpeg")
            await storage.put_bytes(thumb_key(key), done.thumb, imaging.THUMB_TYPE)
            session.add(
                Screenshot(
                    id=shot_id,
                    organization_id=org.id,
                    user_id=person.id,
                    time_entry_id=e.id,
                    idempotency_key=uuid.uuid4(),
                    storage_key=key,
                    thumbnail_key=thumb_key(key),
                    blur_level=org.blur_level,
                    captured_at=at,
                    size_bytes=len(full),
                    content_type="image/jpeg",
                    width=done.width,
                    height=done.height,
                    meta={"os": "demo", "displayCount": 1},
                    status=ScreenshotStatus.READY.value,
                )
            )
            count += 1
    await session.commit()
    return count
