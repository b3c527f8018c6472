"""The task list on PostgreSQL with 100,000 tasks: filters, search and pages.

Run:  .venv/bin/python -m bench.tasks [--tasks 100000] [--projects 200] [--repeat 30]

Seeds one organization (20 people, `--projects` projects, `--tasks` tasks with
mixed statuses and assignees) in SQL, then times `server.tasks.service.list_tasks`
— the function behind `GET /api/v1/tasks` — for the list's everyday calls,
in one run against two baselines:

- the same calls with the task list's indexes dropped (what the indexes buy);
- OFFSET paging to the same deep page (what keyset cursors buy).

Prints p50/p95 of each and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench._env import create_pg_database, drop_pg_database
from bench.reports import pct, timed
from server.auth.principal import load_principal
from server.db.migrate import upgrade
from server.db.models import Task
from server.db.pagination import encode_cursor
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings
from server.tasks.service import list_tasks
from shared.enums import TaskStatus

SEED = """
INSERT INTO organizations (id, name, timezone, subscription, retention_days,
  screenshot_interval_seconds, blur_level, idle_timeout_seconds, screenshots_enabled,
  allow_screenshot_delete, screenshot_delete_window_minutes, notify_on_screenshot, created_at)
VALUES (CAST(:org AS uuid), 'Bench', 'UTC', 'FREE', 365, 600, 0, 300, true, true, 10, false, now());
INSERT INTO users (id, organization_id, email, name, timezone, role, active, created_at)
SELECT md5(:org || 'u' || i)::uuid, CAST(:org AS uuid), 'u' || i || '-' || :org || '@bench.test',
  'Person ' || i, 'UTC', CASE WHEN i = 1 THEN 'OWNER' ELSE 'MEMBER' END, true, now()
FROM generate_series(1, 20) i;
INSERT INTO projects (id, organization_id, name, archived, billable, created_at)
SELECT md5(:org || 'p' || i)::uuid, CAST(:org AS uuid), 'Project ' || lpad(i::text, 4, '0'),
  false, true, now()
FROM generate_series(1, :projects) i;
INSERT INTO tasks (id, organization_id, project_id, name, status, priority, tags, assignee_id,
  created_at)
SELECT gen_random_uuid(), CAST(:org AS uuid), md5(:org || 'p' || (1 + i % :projects))::uuid,
  (ARRAY['Fix','Write','Review','Plan','Ship','Test'])[1 + i % 6] || ' ' ||
  (ARRAY['login','invoice','report','export','sync','billing','search'])[1 + (i / 7) % 7] ||
  ' #' || i,
  (ARRAY['todo','in_progress','done','done','archived'])[1 + (i / 3) % 5],
  'medium', '[]', CASE WHEN i % 4 = 0 THEN md5(:org || 'u' || (1 + i % 20))::uuid END, now()
FROM generate_series(1, :tasks) i
"""
DEEP = 10_000  # rows before the deep page
INDEXES = ("ix_tasks_org_name", "ix_tasks_project_status_name", "ix_tasks_assignee_status")


def _deep_calls(sessions: Any, principal: Any, org: uuid.UUID, after: tuple[str, Any]) -> Any:
    """The page after row `after` of the whole list: by keyset cursor (the
    service) and by OFFSET (the same query, skipping rows)."""
    cursor = encode_cursor([after[0], after[1]])

    async def keyset() -> None:
        async with sessions() as s:
            await list_tasks(s, principal, cursor=cursor, limit=50)

    async def offset() -> None:
        async with sessions() as s:
            stmt = (
                select(Task)
                .where(Task.organization_id == org, Task.status != TaskStatus.ARCHIVED.value)
                .order_by(Task.name, Task.id)
            )
            list((await s.execute(stmt.offset(DEEP).limit(50))).scalars())

    return keyset, offset


async def run(tasks: int, projects: int, repeat: int) -> None:
    name, url = create_pg_database("hubnity_bench_tasks")
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org = uuid.uuid4()
        t0 = time.perf_counter()
        async with sessions() as s:
            for stmt in SEED.split(";\n"):
                await s.execute(text(stmt), {"org": str(org), "tasks": tasks, "projects": projects})
            await s.commit()
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        print(f"seeded {tasks:,} tasks in {projects} projects in {time.perf_counter() - t0:.1f} s")
        async with sessions() as s:
            owner = (
                await s.execute(
                    text("SELECT id FROM users WHERE role = 'OWNER' AND organization_id = :o"),
                    {"o": org},
                )
            ).scalar_one()
            principal = await load_principal(s, owner, org)
            project = str(
                (
                    await s.execute(
                        text(
                            "SELECT id FROM projects WHERE organization_id = :o"
                            " ORDER BY name LIMIT 1"
                        ),
                        {"o": org},
                    )
                ).scalar_one()
            )
            assignee = str(
                (
                    await s.execute(
                        text(
                            "SELECT id FROM users WHERE organization_id = :o"
                            " AND role = 'MEMBER' ORDER BY id LIMIT 1"
                        ),
                        {"o": org},
                    )
                ).scalar_one()
            )

        def call(**kw: Any) -> Any:
            async def go() -> None:
                async with sessions() as s:
                    await list_tasks(s, principal, limit=50, **kw)

            return go

        cases = {
            "project's open tasks": call(project_id=project),
            "project, status=done": call(project_id=project, status=TaskStatus.DONE),
            "assignee's tasks": call(assignee_id=assignee),
            "search q=invoice": call(q="invoice"),
            "all tasks, first page": call(),
        }
        indexed = {k: await timed(fn, repeat) for k, fn in cases.items()}
        async with sessions() as s:
            row = (
                await s.execute(
                    select(Task.name, Task.id)
                    .where(Task.organization_id == org, Task.status != TaskStatus.ARCHIVED.value)
                    .order_by(Task.name, Task.id)
                    .offset(DEEP - 1)
                    .limit(1)
                )
            ).one()
        keyset, offset = _deep_calls(sessions, principal, org, (row[0], row[1]))
        deep_keyset, deep_offset = await timed(keyset, repeat), await timed(offset, repeat)
        async with engine.begin() as conn:
            for ix in INDEXES:
                await conn.execute(text(f"DROP INDEX {ix}"))
            await conn.execute(text("ANALYZE tasks"))
        bare = {k: await timed(fn, repeat) for k, fn in cases.items()}
        print(
            f"\n{'call (limit 50)':28} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'no index p50':>13} {'ratio':>7}"
        )
        for k in cases:
            p50, p95, b50 = pct(indexed[k], 0.5), pct(indexed[k], 0.95), pct(bare[k], 0.5)
            print(f"{k:28} {p50:8.2f} {p95:8.2f} {b50:13.2f} {b50 / p50:6.1f}x")
        k50, o50 = pct(deep_keyset, 0.5), pct(deep_offset, 0.5)
        print(
            f"\nthe page after row {DEEP:,} (indexed): keyset cursor {k50:.2f} ms, "
            f"OFFSET {o50:.2f} ms ({o50 / k50:.1f}x)"
        )
        await engine.dispose()
    finally:
        drop_pg_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.tasks, args.projects, args.repeat))


if __name__ == "__main__":
    main()
