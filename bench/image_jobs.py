"""Screenshot job cost: our `process_screenshot` vs bare Pillow doing the same image work.

Run:  .venv/bin/python -m bench.image_jobs [--runs 15] [--database sqlite|postgres]

Input: a generated, text-heavy 1920x1080 screenshot (UI chrome, side bar,
~65 lines of small text), encoded as the agent sends it (JPEG q85) and as PNG.

- job: the whole job function as a worker runs it (`processing.process`):
  claim the row (SQLite), read the object from local storage, guarded decode,
  blur, re-encode over the original, WebP thumbnail, write both objects, mark
  the row READY. The row and the original object are reset between runs.
- bare: Pillow alone on the same bytes: open + load, GaussianBlur with the
  same radius, save in the same format and settings, resize to 320 px wide,
  save the WebP thumbnail. Nothing else.

- image: the job's image step alone (`imaging.process`: guarded decode, blur,
  re-encode, thumbnail), interleaved with the bare runs.

Prints median milliseconds and the ratios job/bare and image/bare (target for
the image work ≤ 1.3; job/bare adds the persistence: one row claim, one read,
two fsynced object writes, one row update).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from bench._env import bench_settings, create_pg_database, drop_pg_database
from server.db.migrate import upgrade
from server.db.models import Organization, Screenshot, TimeEntry, User
from server.runtime.state import build_state
from server.screenshots import imaging, processing
from server.screenshots.common import object_key


def text_screenshot(width: int = 1920, height: int = 1080, seed: int = 7) -> Image.Image:
    """A text-heavy, UI-like image: title bar, side bar and many lines of small text."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 32), fill=(40, 44, 52))
    draw.rectangle((0, 32, width // 5, height), fill=(230, 232, 236))
    words = ["invoice", "total", "customer", "project", "deadline", "report", "meeting",
             "hubnity", "screenshot", "timesheet", "approve", "budget", "ticket", "merge"]
    y = 44
    while y < height - 16:
        x = width // 5 + 16
        line = " ".join(rng.choice(words) for _ in range(rng.randint(6, 16)))
        draw.text((x, y), line, fill=(20, 20, 20))
        draw.text((8, y), rng.choice(words), fill=(60, 60, 90))
        y += 16
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def bare_pillow(data: bytes, fmt: str, level: int) -> tuple[bytes | None, bytes]:
    image = Image.open(io.BytesIO(data))
    image.load()
    if level:
        image = image.filter(ImageFilter.GaussianBlur(imaging.blur_radius(level, image.width)))
        out = io.BytesIO()
        if fmt == "JPEG":
            image.save(out, "JPEG", quality=85)
        else:
            image.save(out, "PNG", compress_level=3)
        full: bytes | None = out.getvalue()
    else:
        full = None
    height = round(image.height * imaging.THUMB_WIDTH / image.width)
    thumb = image.resize((imaging.THUMB_WIDTH, height), Image.Resampling.LANCZOS,
                         reducing_gap=2.0)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=75, method=3)
    return full, out.getvalue()


async def _setup(tmp: Path, url: str) -> tuple[object, Organization, User, TimeEntry]:
    upgrade(url)
    app_state = build_state(bench_settings(url, tmp / "data"))
    org = Organization(name="Bench")
    async with app_state.sessions() as session:
        session.add(org)
        await session.flush()
        user = User(organization_id=org.id, email=f"{uuid.uuid4().hex}@x.test", name="Bench")
        session.add(user)
        await session.flush()
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        entry = TimeEntry(organization_id=org.id, user_id=user.id, idempotency_key=uuid.uuid4(),
                          start_time=start, end_time=start + timedelta(hours=1))
        session.add(entry)
        await session.commit()
    return app_state, org, user, entry


async def _job_runs(app_state, org, user, entry, data: bytes, content_type: str, level: int,
                    runs: int) -> list[float]:
    shot_id = uuid.uuid4()
    key = object_key(org.id, user.id, shot_id, datetime.now(UTC), content_type)
    async with app_state.sessions() as session:
        session.add(Screenshot(
            id=shot_id, organization_id=org.id, user_id=user.id, time_entry_id=entry.id,
            idempotency_key=uuid.uuid4(), storage_key=key, blur_level=level,
            captured_at=datetime.now(UTC), size_bytes=len(data), content_type=content_type,
            meta={}, sha256="0" * 64))
        await session.commit()
    times = []
    for _ in range(runs):
        await app_state.storage.put_bytes(key, data, content_type)
        async with app_state.sessions() as session:
            await session.execute(update(Screenshot).where(Screenshot.id == shot_id).values(
                status="PENDING", attempts=0))
            await session.commit()
        t0 = time.perf_counter()
        status = await processing.process(app_state, shot_id)
        times.append(time.perf_counter() - t0)
        assert status == "READY", status
    return times


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    screenshot = text_screenshot(1920, 1080)
    inputs = {"JPEG": (encode(screenshot, "JPEG", quality=85), "image/jpeg"),
              "PNG": (encode(screenshot, "PNG"), "image/png")}
    ok = True
    pg_name = None
    with tempfile.TemporaryDirectory(prefix="hubnity-bench-") as tmp:
        if args.database == "postgres":
            pg_name, url = create_pg_database("hubnity_bench")
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        app_state, org, user, entry = await _setup(Path(tmp), url)
        print(f"database: {args.database}; storage: local directory")
        print(f"{'input':<6} {'blur':>4} {'job ms':>8} {'image ms':>9} {'bare ms':>8} "
              f"{'job/bare':>9} {'image/bare':>10}")
        for fmt, (data, content_type) in inputs.items():
            for level in (0, 1, 2, 3):
                bare_pillow(data, fmt, level)  # warm caches
                await _job_runs(app_state, org, user, entry, data, content_type, level, 2)
                bare, work = [], []
                for _ in range(args.runs):  # interleaved: both see the same machine load
                    t0 = time.perf_counter()
                    bare_pillow(data, fmt, level)
                    bare.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    imaging.process(data, content_type, level)
                    work.append(time.perf_counter() - t0)
                job = await _job_runs(app_state, org, user, entry, data, content_type, level,
                                      args.runs)
                j, w, b = (statistics.median(x) * 1000 for x in (job, work, bare))
                ok &= w / b <= 1.3
                print(f"{fmt:<6} {level:>4} {j:>8.1f} {w:>9.1f} {b:>8.1f} {j / b:>9.2f} "
                      f"{w / b:>10.2f}")
        await app_state.engine.dispose()
    if pg_name:
        drop_pg_database(pg_name)
    print("target: image work / bare Pillow ≤ 1.3 —", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
