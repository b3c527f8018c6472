"""Capacity: how many desktop agents one production stack holds on this machine.

Run:  .venv/bin/python -m bench.capacity [--workers 2] [--minute 6] \
          [--start 2000] [--step 2000] [--max 20000] [--step-seconds 60]

The bench starts the production stack itself, every part a real process:
`hubnity-server --workers W` (docs/deploy.md: one per core) on a fresh
PostgreSQL database, Redis (rate limits and the job queue, under a key prefix
of its own), one `hubnity-worker` (screenshot jobs) and moto's standalone S3
server (screenshots). It removes the database and its Redis keys at the end.

Every simulated agent does what the desktop agent does (agent/core): signs in,
fetches `/api/v1/agent/config` and `/api/v1/projects/active` (again every 10
minutes, as the agent's policy refresh does), syncs a batch every minute (its
running entry's next revision + one activity minute + one `apps` row), uploads
a ~150 KB JPEG screenshot every 10 minutes (streamed upload; the worker then
decodes it and writes the thumbnail) and refreshes its token every 15 minutes.
Each agent is sequential, like the real one, and its schedule is open-loop
(fixed times with a random phase), so a slow server does not slow the offered
load down.

Time compression: a "minute" lasts `--minute` seconds (default 6, i.e. 10x),
so each simulated agent makes 10 agents' worth of requests and N real agents
are simulated by N / 10 agents. Per-second request rates on the server are
those of N real agents: for N = 10,000, 166.7 syncs/s, 16.7 uploads/s, 16.7
config and 16.7 project polls/s and 11.1 token refreshes/s. (Sign-ins are
not compressed: they happen once per agent when it joins; they are argon2-bound
by design and reported apart, outside the pass criterion.)

Ramp: N grows by --step; each step lets its new agents join (sign-in spread
over --join-seconds), then measures --step-seconds of steady traffic. A step
passes with p99 <= --p99-ms over all its requests and errors <= --max-errors
(any non-2xx, transport error, or a sync item answered as a conflict). The
ramp stops at the first failing step; "max N sustained" is the last passing one.

Why one asyncio process with aiohttp on uvloop, not locust: the load generator
shares the two cores with what it measures, and one asyncio process with
open-loop schedules is the cheapest driver that gives exact per-second rates
under time compression (locust's users are greenlets with closed-loop wait
times, plus its web/stats machinery). Each simulated agent has its own aiohttp
session with one connection (bench/capacity_agent.py); aiohttp costs the
generator about half the CPU per request httpx did (bench.client_cost). Its
own CPU is still measured and printed with the server's: if it is high, the
figure is a lower bound.

Printed per step: the rates, p50/p95/p99 per endpoint, errors, CPU (% of one
core over the step) and RSS per process, and PostgreSQL connections of the
bench database (pg_stat_activity, most seen). Redis is the machine's shared
server: its CPU includes other users'. `--profile SECONDS` records a py-spy
flame graph (SVG) of one server worker during the last step.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, create_pg_database, drop_pg_database, pg_dsn, require_redis
from bench._processes import VENV_BIN, _stop, run_moto, run_server, server_env
from bench.capacity_agent import (
    PASSWORD,
    Agent,
    AiohttpTransport,
    Stats,
    pct,
    run,
    screenshot_jpeg,
)
from bench.capacity_meter import (
    Meter,
    pg_backends,
    print_step,
    redis_procs,
    start_profile,
    watch_pg,
)
from server.db.migrate import upgrade
from tests.support.process import server_command
from tests.support.signup import create_organization, sign_up

BUCKET = "capacity"
GOAL = 10_000  # agents on 2 cores, the capacity target


def steps_of(args: argparse.Namespace) -> list[int]:
    if args.steps:
        return [int(x) for x in args.steps.split(",")]
    return list(range(args.start, args.max + 1, args.step))


# --- the stack ---------------------------------------------------------------------


@contextmanager
def run_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "hubnity-worker")],
            env=server_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(1)
        if proc.poll() is not None:
            raise RuntimeError(f"hubnity-worker did not start:\n{log.read_text()[-2000:]}")
        yield proc
    finally:
        _stop(proc)


def drop_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])


def seed(
    url: str, data_dir: Path, db_name: str, agents: int, no_worker_env: dict[str, str] | None = None
) -> tuple[str, str]:
    """The owner signs up (the link read from the mail in `data_dir`) and creates
    a project through the API; `agents` members are inserted with the owner's
    password hash (no argon2 hashing per account). `no_worker_env`: the server's
    environment when no `hubnity-worker` runs its Redis queue (so no sign-up
    mail): the owner is made by `hubnity-server create-organization` instead."""
    import psycopg

    if no_worker_env is not None:
        pair = create_organization(
            server_command(), no_worker_env, url, "owner@capacity.test", PASSWORD,
            organization="Capacity",
        )
    else:
        pair = sign_up(  # argon2 on a loaded machine: a long timeout
            url, data_dir, "owner@capacity.test", PASSWORD, organization="Capacity", timeout=300
        )
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    r = httpx.post(f"{url}/api/v1/projects", headers=headers, json={"name": "Product"}, timeout=60)
    r.raise_for_status()
    with psycopg.connect(pg_dsn(db_name), autocommit=True) as conn:
        conn.execute(
            """INSERT INTO users (id, organization_id, email, name, password_hash, timezone, role,
                                  active, auth_source, created_at)
               SELECT gen_random_uuid(), organization_id, 'agent' || g || '@capacity.test',
                      'Agent ' || g, password_hash, 'UTC', 'MEMBER', true, 'local',
                      now()
               FROM users, generate_series(1, %s) AS g WHERE email = 'owner@capacity.test'""",
            (agents,),
        )
    return headers["Authorization"], r.json()["id"]


async def ramp(
    args: argparse.Namespace,
    url: str,
    db_name: str,
    project_id: str,
    groups: dict[str, list[psutil.Process]],
    server: psutil.Process,
) -> None:
    jpeg = screenshot_jpeg()
    stats = Stats()
    # One connection per simulated agent, in a session of its own, as each desktop
    # agent has: one shared pool of hundreds of connections cost the generator
    # CPU per request growing with the requests in flight (httpcore scanned its
    # pool for each), so a step that fell behind made the generator eat a core
    # and never catch up. Idle connections are dropped after 3 s, before
    # uvicorn's 5 s keep-alive timeout would close them under a request being
    # sent (capacity_agent.AiohttpTransport).
    tasks: list[asyncio.Task[None]] = []
    try:
        await _ramp(args, url, db_name, project_id, groups, server, stats, jpeg, tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _ramp(
    args: argparse.Namespace,
    url: str,
    db_name: str,
    project_id: str,
    groups: dict[str, list[psutil.Process]],
    server: psutil.Process,
    stats: Stats,
    jpeg: bytes,
    tasks: list[asyncio.Task[None]],
) -> None:
    factor = 60 / args.minute
    async with contextlib.AsyncExitStack() as clients:
        best = 0
        levels = steps_of(args)
        failed = False
        print(
            f"screenshot {len(jpeg) / 1024:.0f} KiB; a minute lasts {args.minute:g} s "
            f"(x{factor:g}); each step: join {args.join_seconds:g} s, measure "
            f"{args.step_seconds:g} s",
            flush=True,
        )
        for n in levels:
            sim = round(n / factor)
            stats.recording = True
            stats.reset()
            for i in range(len(tasks), sim):
                client = AiohttpTransport(url)
                clients.push_async_callback(client.aclose)
                agent = Agent(
                    client, stats, f"agent{i + 1}@capacity.test", args.minute, jpeg, project_id
                )
                tasks.append(asyncio.create_task(agent.run(random.uniform(0, args.join_seconds))))
            # Everyone in (sign-ins queue on argon2), then one more simulated minute.
            while stats.joined < sim:
                await asyncio.sleep(0.5)
            await asyncio.sleep(args.minute * 2)
            logins = list(stats.latencies.get("login", []))
            login_errors = stats.errors.get("login", 0)
            stats.reset()
            # Server workers may have been replaced; PostgreSQL backends come and go.
            groups["server workers"] = [server, *server.children(recursive=True)]
            groups["postgres backends"], _ = pg_backends(db_name)
            meter = Meter(groups)
            seen: dict[str, int] = {}
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch_pg(db_name, seen, stop))
            profile = None
            if args.profile and n == levels[-1]:
                profile = start_profile(groups["server workers"], args.profile, n)
            t0 = time.monotonic()
            await asyncio.sleep(args.step_seconds)
            wall = time.monotonic() - t0
            usage = meter.report()
            stop.set()
            await watcher
            if logins:
                print(
                    f"\n   sign-ins while joining: {len(logins)}, p50 "
                    f"{1000 * statistics.median(logins):.0f} ms, p99 "
                    f"{1000 * pct(logins, 0.99):.0f} ms, errors {login_errors}"
                )
            p99, error_rate = print_step(
                n, sim, wall, stats, usage, seen, os.getloadavg(), args.p99_ms
            )
            if profile is not None:
                profile.wait()
            sys.stdout.flush()
            if p99 > args.p99_ms or error_rate > args.max_errors:
                failed = True
                if not args.keep_going:
                    break
            if not failed:
                best = n
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(
        f"\nmax N sustained: {best:,} agents (p99 <= {args.p99_ms:g} ms, errors <= "
        f"{100 * args.max_errors:g}%) with {args.workers} server workers: "
        f"{best / GOAL:.2f}x the goal of {GOAL:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minute", type=float, default=6.0, help="seconds per simulated minute")
    parser.add_argument("--start", type=int, default=2000)
    parser.add_argument("--step", type=int, default=2000)
    parser.add_argument("--max", type=int, default=20000)
    parser.add_argument("--steps", default="", help="N of each step, e.g. 500,1000,2000")
    parser.add_argument(
        "--keep-going", action="store_true", help="measure every step even after one fails"
    )
    parser.add_argument("--join-seconds", type=float, default=20)
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--p99-ms", type=float, default=200)
    parser.add_argument("--max-errors", type=float, default=0.001)
    parser.add_argument("--profile", type=int, default=0, help="py-spy seconds, last step")
    args = parser.parse_args()

    require_redis()
    db_name, db_url = create_pg_database("hubnity_bench_capacity")
    prefix = f"hubnity-capacity-{uuid.uuid4().hex[:8]}:"
    try:
        upgrade(db_url)
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            moto = stack.enter_context(run_moto())
            moto.client().create_bucket(Bucket=BUCKET)
            env = {
                "DATABASE_URL": db_url,
                "REDIS_URL": REDIS_URL,
                "REDIS_PREFIX": prefix,
                "HUBNITY_ENV": "production",
                **moto.env(BUCKET),
            }
            srv = stack.enter_context(
                run_server(Path(tmp) / "data", env, args=("--workers", str(args.workers)))
            )
            worker = stack.enter_context(
                run_worker(
                    {**env, "HUBNITY_DATA_DIR": str(Path(tmp) / "data")}, Path(tmp) / "worker.log"
                )
            )
            most = round(steps_of(args)[-1] / (60 / args.minute)) + 10
            _, project_id = seed(srv.url, srv.data_dir, db_name, most)
            server = psutil.Process(srv.proc.pid)
            groups = {
                "server workers": [server],
                "hubnity-worker": [psutil.Process(worker.pid)],
                "postgres backends": [],
                "redis (shared)": redis_procs(),
                "moto S3": [psutil.Process(moto.proc.pid)],
                "load generator": [psutil.Process()],
            }
            try:
                run(ramp(args, srv.url, db_name, project_id, groups, server))
            finally:
                log = srv.log_path.read_text(errors="replace")
                if "Traceback" in log:
                    print("\nserver log (tail):\n" + log[-3000:])
    finally:
        drop_pg_database(db_name)
        drop_redis_prefix(prefix)


if __name__ == "__main__":
    main()
