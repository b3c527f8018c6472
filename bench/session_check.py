"""What ending access tokens at logout costs: the principal lookup with and
without the sign-in check, side by side, on PostgreSQL.

Run:  .venv/bin/python -m bench.session_check [--users 2000] [--repeat 3000]

Every authenticated request loads its principal (user + organization) in one
statement. Since access tokens carry their sign-in (`sid`, the refresh-token
family), the statement also asks "has this sign-in ended?" with one probe of
`refresh_tokens.family_id`. Seeds `--users` people with 30 days of rotated
refresh tokens each (a sign-in every day, rotated every 15 min while working:
~1,000 rows per person), then times both forms interleaved and prints the
p50/p95 and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench._env import create_pg_database, drop_pg_database
from bench.reports import pct, timed
from server.auth.principal import load_principal
from server.db.migrate import upgrade
from server.db.session import create_engine, session_factory
from server.runtime.config import DatabaseSettings

SEED = """
INSERT INTO organizations (id, name, timezone, subscription, retention_days,
  screenshot_interval_seconds, blur_level, idle_timeout_seconds, screenshots_enabled,
  allow_screenshot_delete, screenshot_delete_window_minutes, notify_on_screenshot, created_at)
VALUES (CAST(:org AS uuid), 'Bench', 'UTC', 'FREE', 365, 600, 0, 300, true, true, 10, false, now());
INSERT INTO users (id, organization_id, email, name, timezone, role, active, created_at)
SELECT md5(:org || 'u' || i)::uuid, CAST(:org AS uuid), 'u' || i || '-' || :org || '@bench.test',
  'Person ' || i, 'UTC', 'MEMBER', true, now()
FROM generate_series(1, :users) i;
INSERT INTO refresh_tokens (id, organization_id, user_id, token_hash, family_id, expires_at,
  revoked_at, rotated_at, created_at)
SELECT gen_random_uuid(), CAST(:org AS uuid), md5(CAST(:org AS text) || 'u' || u)::uuid,
  md5(CAST(:org AS text) || u || '-' || d || '-' || r),
  md5(CAST(:org AS text) || 'f' || u || '-' || d)::uuid,
  now() + interval '30 days', CASE WHEN r = 32 AND d % 2 = 0 THEN now() END,
  CASE WHEN r < 32 THEN now() END, now()
FROM generate_series(1, :users) u, generate_series(1, 30) d, generate_series(1, 32) r
"""


async def run(users: int, repeat: int) -> None:
    name, url = create_pg_database("hubnity_bench_session")
    try:
        upgrade(url)
        engine = create_engine(DatabaseSettings(url=url))
        sessions = session_factory(engine)
        org = uuid.uuid4()
        async with sessions() as s:
            for stmt in SEED.split(";\n"):
                await s.execute(text(stmt), {"org": str(org), "users": users})
            await s.commit()
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
            rows = (await conn.execute(text("SELECT count(*) FROM refresh_tokens"))).scalar_one()
        print(f"seeded {users:,} people, {rows:,} refresh tokens")
        # Person 7's latest sign-in (day 29: odd, so not ended).
        user = uuid.UUID(hashlib.md5(f"{org}u7".encode()).hexdigest())
        family = uuid.UUID(hashlib.md5(f"{org}f7-29".encode()).hexdigest())

        async def plain() -> None:
            async with sessions() as s:
                assert await load_principal(s, user, org) is not None

        async def checked() -> None:
            async with sessions() as s:
                assert await load_principal(s, user, org, family) is not None

        for fn in (plain, checked):  # warm the pool and the plans
            await timed(fn, 50)
        a: list[float] = []
        b: list[float] = []
        for _ in range(10):
            a += await timed(plain, repeat // 10)
            b += await timed(checked, repeat // 10)
        print(f"{'principal lookup':34} p50 {pct(a, 0.5):6.3f} ms  p95 {pct(a, 0.95):6.3f} ms")
        label = "  + sign-in ended? (sid check)"
        print(f"{label:34} p50 {pct(b, 0.5):6.3f} ms  p95 {pct(b, 0.95):6.3f} ms")
        print(
            f"cost of the check: {pct(b, 0.5) / pct(a, 0.5):.2f}x p50, "
            f"+{(pct(b, 0.5) - pct(a, 0.5)) * 1000:.0f} us per request"
        )
        await engine.dispose()
    finally:
        drop_pg_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(run(args.users, args.repeat))


if __name__ == "__main__":
    main()
