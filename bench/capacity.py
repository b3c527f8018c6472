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

Why plain asyncio + httpx, not locust: the load generator shares the two cores
with what it measures, and one asyncio process with open-loop schedules is the
cheapest driver that gives exact per-second rates under time compression
(locust's users are greenlets with closed-loop wait times, plus its web/stats
machinery; no extra dependency either). Its own CPU is measured and printed
with the server's: if it is high, the figure is a lower bound.

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
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, create_pg_database, drop_pg_database, pg_dsn, require_redis
from bench._processes import VENV_BIN, _stop, run_moto, run_server, server_env
from server.db.migrate import upgrade

PASSWORD = "correct horse battery 42"
BUCKET = "capacity"
GOAL = 10_000  # agents on 2 cores, the capacity target
STACK = ("server workers", "hubnity-worker", "postgres backends", "moto S3")


def steps_of(args: argparse.Namespace) -> list[int]:
    if args.steps:
        return [int(x) for x in args.steps.split(",")]
    return list(range(args.start, args.max + 1, args.step))


def screenshot_jpeg() -> bytes:
    """A 1440x900 JPEG of about 150 KB (blurred noise: compresses like a desktop)."""
    from PIL import Image

    rng = random.Random(7)
    img = Image.frombytes("RGB", (80, 50), rng.randbytes(80 * 50 * 3))
    out = io.BytesIO()
    img.resize((1440, 900), Image.Resampling.BICUBIC).save(out, "JPEG", quality=70)
    return out.getvalue()


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


# --- statistics ----------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    recording: bool = True
    joined: int = 0  # agents signed in with their policy fetched

    def add(self, endpoint: str, seconds: float, error: str | None = None) -> None:
        if not self.recording:
            return
        self.latencies[endpoint].append(seconds)
        if error:
            self.errors[endpoint] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{endpoint}: {error}")

    def reset(self) -> None:
        self.latencies.clear()
        self.errors.clear()
        self.samples.clear()


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- one agent -------------------------------------------------------------------


class Agent:
    def __init__(
        self,
        client: httpx.AsyncClient,
        stats: Stats,
        email: str,
        minute: float,
        jpeg: bytes,
        project_id: str,
    ) -> None:
        self.client, self.stats, self.email, self.minute = client, stats, email, minute
        self.jpeg, self.project_id = jpeg, project_id
        self.access = self.refresh_token = ""
        self.key = str(uuid.uuid4())
        # Recorded time must lie before now + 1 day: start well in the past.
        self.start = (datetime.now(UTC) - timedelta(hours=20)).replace(second=0, microsecond=0)
        self.revision = 0
        # The policy polls are conditional, as the desktop agent's: the ETag of
        # the last answer per path; an unchanged answer is a 304 without a body.
        self.etags: dict[str, str] = {}
        self.not_modified = 0

    async def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response | None:
        headers = dict(headers or {})
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        t0 = time.perf_counter()
        try:
            r = await self.client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            self.stats.add(endpoint, time.perf_counter() - t0, f"{type(exc).__name__} {exc}")
            return None
        elapsed = time.perf_counter() - t0
        ok = r.status_code < 300 or r.status_code == 304
        error = None if ok else f"{r.status_code} {r.text[:200]}"
        if error is None and endpoint == "sync":
            body = r.json()
            if body["conflicts"] or body["activity"]["conflicts"] or body["apps"]["conflicts"]:
                error = f"conflict {str(body)[:200]}"
        self.stats.add(endpoint, elapsed, error)
        return r if error is None else None

    async def sign_in(self) -> bool:
        # Sign-ins queue behind argon2 (one hash at a time per server process).
        r = await self.call(
            "login",
            "POST",
            "/api/v1/auth/login",
            timeout=300,
            json={"email": self.email, "password": PASSWORD},
        )
        if r is None:
            return False
        body = r.json()
        self.access, self.refresh_token = body["accessToken"], body["refreshToken"]
        return True

    async def poll(self, endpoint: str, path: str) -> None:
        etag = self.etags.get(path)
        r = await self.call(
            endpoint, "GET", path, headers={"If-None-Match": etag} if etag else None
        )
        if r is not None and r.status_code == 304:
            self.not_modified += 1
        elif r is not None and r.headers.get("etag"):
            self.etags[path] = r.headers["etag"]

    async def call_config(self) -> None:
        await self.poll("config", "/api/v1/agent/config")

    async def call_projects(self) -> None:
        await self.poll("projects", "/api/v1/projects/active")

    async def poll_policy(self) -> None:
        await self.call_config()
        await self.call_projects()

    async def refresh(self) -> None:
        r = await self.call(
            "refresh", "POST", "/api/v1/auth/refresh", json={"refreshToken": self.refresh_token}
        )
        if r is not None:
            body = r.json()
            self.access, self.refresh_token = body["accessToken"], body["refreshToken"]

    async def sync(self) -> None:
        self.revision += 1
        minute = iso(self.start + timedelta(minutes=self.revision - 1))
        body = {
            "deviceId": "capacity",
            "entries": [
                {
                    "idempotencyKey": self.key,
                    "revision": self.revision,
                    "startTime": iso(self.start),
                    "status": "RUNNING",
                    "timezone": "UTC",
                    "projectId": self.project_id,
                    "description": "capacity bench",
                }
            ],
            "activity": [
                {
                    "timeEntryKey": self.key,
                    "minute": minute,
                    "keyboardClicks": 40,
                    "mouseMovements": 200,
                    "activeSeconds": 50,
                    "intervalCv": 1.2,
                    "distinctPositions": 120,
                    "pointerSpan": 600,
                    "keyboardShare": 0.2,
                    "pointerMoves": 150,
                }
            ],
            "apps": [{"timeEntryKey": self.key, "minute": minute, "app": "code", "seconds": 50}],
        }
        await self.call("sync", "POST", "/api/v1/sync/batch", json=body)

    async def upload(self) -> None:
        captured = self.start + timedelta(minutes=max(self.revision - 1, 0), seconds=30)
        await self.call(
            "upload",
            "POST",
            "/api/v1/sync/screenshots",
            data={
                "idempotencyKey": str(uuid.uuid4()),
                "timeEntryKey": self.key,
                "capturedAt": iso(captured),
                "blurLevel": "0",
            },
            files={"file": ("screen.jpg", self.jpeg, "image/jpeg")},
        )

    async def run(self, join_delay: float) -> None:
        await asyncio.sleep(join_delay)
        if not await self.sign_in():
            self.stats.joined += 1  # counted as an error of the step's sign-ins
            return
        await self.poll_policy()
        self.stats.joined += 1
        m = self.minute
        loop = asyncio.get_running_loop()
        t0 = loop.time() + random.uniform(0, m)
        # (next due time, period, action): syncs every minute, uploads and policy
        # polls every 10, refresh every 15, each with its own phase.
        plan: list[list[Any]] = [
            [t0, m, self.sync],
            [t0 + m * random.uniform(0.5, 10), 10 * m, self.upload],
            [t0 + m * random.uniform(0, 10), 10 * m, self.poll_policy],
            [t0 + m * random.uniform(0, 15), 15 * m, self.refresh],
        ]
        while True:
            item = min(plan, key=lambda p: p[0])
            delay = item[0] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await item[2]()
            item[0] += item[1]


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


def seed(url: str, db_name: str, agents: int) -> tuple[str, str]:
    """The owner registers and creates a project through the API; `agents` members
    are inserted with the owner's password hash (no argon2 hashing per account)."""
    import psycopg

    r = httpx.post(
        f"{url}/api/v1/auth/register",
        json={
            "email": "owner@capacity.test",
            "password": PASSWORD,
            "name": "Owner",
            "organizationName": "Capacity",
        },
        timeout=300,  # argon2 on a loaded machine
    )
    r.raise_for_status()
    headers = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    r = httpx.post(f"{url}/api/v1/projects", headers=headers, json={"name": "Product"}, timeout=60)
    r.raise_for_status()
    with psycopg.connect(pg_dsn(db_name), autocommit=True) as conn:
        conn.execute(
            """INSERT INTO users (id, organization_id, email, name, password_hash, timezone, role,
                                  active, auth_source, failed_logins, created_at)
               SELECT gen_random_uuid(), organization_id, 'agent' || g || '@capacity.test',
                      'Agent ' || g, password_hash, 'UTC', 'MEMBER', true, 'local', 0,
                      now()
               FROM users, generate_series(1, %s) AS g WHERE email = 'owner@capacity.test'""",
            (agents,),
        )
    return headers["Authorization"], r.json()["id"]


class Meter:
    """CPU time and RSS of the stack's processes between two snapshots."""

    def __init__(self, groups: dict[str, list[psutil.Process]]) -> None:
        self.groups = groups
        self.t0 = time.monotonic()
        self.cpu0 = {name: self._cpu(procs) for name, procs in groups.items()}
        self.wait0 = {name: self._waited(procs) for name, procs in groups.items()}

    @staticmethod
    def _waited(procs: list[psutil.Process]) -> dict[int, float]:
        """Seconds each process was runnable but waiting for a CPU (Linux
        /proc/<pid>/schedstat, all threads): the machine's contention, measured."""
        waits = {}
        for p in procs:
            with contextlib.suppress(OSError, psutil.Error):
                total = 0
                for task in Path(f"/proc/{p.pid}/task").iterdir():
                    total += int((task / "schedstat").read_text().split()[1])
                waits[p.pid] = total / 1e9
        return waits

    @staticmethod
    def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
        """CPU seconds per live process (a backend that exits in between counts
        for neither snapshot, rather than as negative time)."""
        times = {}
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                times[p.pid] = t.user + t.system
        return times

    @staticmethod
    def _rss(procs: list[psutil.Process]) -> int:
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def report(self) -> dict[str, tuple[float, int, float]]:
        """Per group: CPU and run-queue wait (% of one core), RSS."""
        wall = time.monotonic() - self.t0
        out = {}
        for name, procs in self.groups.items():
            before, after = self.cpu0[name], self._cpu(procs)
            spent = sum(after[pid] - before[pid] for pid in after if pid in before)
            w0, w1 = self.wait0[name], self._waited(procs)
            waited = sum(w1[pid] - w0[pid] for pid in w1 if pid in w0)
            out[name] = (100 * spent / wall, self._rss(procs), 100 * waited / wall)
        return out


def pg_backends(db_name: str) -> tuple[list[psutil.Process], int]:
    import psycopg

    with psycopg.connect(pg_dsn(db_name), autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (db_name,),
            )
        ]
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            procs.append(psutil.Process(pid))
    return procs, len(pids)


async def watch_pg(db_name: str, seen: dict[str, int], stop: asyncio.Event) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(pg_dsn(db_name), autocommit=True) as conn:
        while not stop.is_set():
            cur = await conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (db_name,),
            )
            total, active = await cur.fetchone()  # type: ignore[misc]
            seen["open"] = max(seen.get("open", 0), total)
            seen["active"] = max(seen.get("active", 0), active)
            cur = await conn.execute(
                "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU') "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND state <> 'idle'",
                (db_name,),
            )
            for state, wait in await cur.fetchall():
                key = f"wait {state} / {wait}"
                seen[key] = seen.get(key, 0) + 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)


def print_step(
    n: int,
    sim: int,
    wall: float,
    stats: Stats,
    usage: dict[str, tuple[float, int, float]],
    seen: dict[str, int],
    load: tuple[float, ...],
    passing_p99: float,
) -> tuple[float, float]:
    every = [x for name, xs in stats.latencies.items() if name != "login" for x in xs]
    errors = sum(v for k, v in stats.errors.items() if k != "login")
    p99 = pct(every, 0.99) * 1000
    error_rate = errors / max(len(every), 1)
    print(
        f"\n== N = {n:,} agents ({sim:,} simulated), {wall:.0f} s measured, "
        f"{len(every) / wall:.1f} req/s, p99 {p99:.0f} ms, errors {errors} "
        f"({100 * error_rate:.2f}%), load average {load[0]:.1f} / {load[1]:.1f}"
    )
    print(f"   {'endpoint':9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name in ("sync", "upload", "config", "projects", "refresh", "login"):
        xs = stats.latencies.get(name, [])
        if xs:
            print(
                f"   {name:9} {len(xs) / wall:7.1f} {1000 * statistics.median(xs):7.1f} "
                f"{1000 * pct(xs, 0.95):7.1f} {1000 * pct(xs, 0.99):7.1f} "
                f"{stats.errors.get(name, 0):6}"
            )
    print(f"   {'process':22} {'CPU % of a core':>15} {'RSS MB':>8} {'waiting for a CPU %':>20}")
    for name, (cpu, rss, waited) in usage.items():
        print(f"   {name:22} {cpu:15.0f} {rss / 1e6:8.0f} {waited:20.0f}")
    # What the stack itself burns (not the load generator, not the shared Redis):
    # CPU time is work done, so this holds even when the machine is busy.
    stack = sum(cpu for name, (cpu, _, _) in usage.items() if name in STACK)
    if stack and p99 > passing_p99:
        print("   (requests queue: the CPU of an overloaded step projects nothing)")
    elif stack:
        print(
            f"   stack CPU {stack:.0f}% of a core = {stack / n * 1000:.1f}% per 1,000 agents; "
            f"2 cores saturate at ~{200 / stack * n:,.0f} agents (CPU-bound projection)"
        )
    print(
        f"   PostgreSQL connections of the bench database: {seen.get('open', 0)} open, "
        f"at most {seen.get('active', 0)} active at once"
    )
    waits = sorted(((v, k) for k, v in seen.items() if k.startswith("wait ")), reverse=True)
    if waits:
        print(
            "   busy backends by wait (samples every 0.5 s): "
            + ", ".join(f"{k[5:]} {v}" for v, k in waits[:5])
        )
    for sample in stats.samples:
        print(f"   e.g. {sample}")
    return p99, error_rate


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
    # One connection per simulated agent, in a client of its own, as each desktop
    # agent has: one shared pool of hundreds of connections cost the generator
    # CPU per request growing with the requests in flight (httpcore scans its
    # pool for each), so a step that fell behind made the generator eat a core
    # and never catch up. Idle connections are dropped before uvicorn's 5 s
    # keep-alive timeout would close them under a request being sent (a
    # ReadError that is the client's race).
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=3)
    tasks: list[asyncio.Task[None]] = []
    try:
        await _ramp(args, url, db_name, project_id, groups, server, stats, jpeg, limits, tasks)
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
    limits: httpx.Limits,
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
                client = await clients.enter_async_context(
                    httpx.AsyncClient(base_url=url, timeout=30, limits=limits)
                )
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


def start_profile(procs: list[psutil.Process], seconds: int, n: int) -> subprocess.Popen[bytes]:
    worker = procs[-1]
    out = Path(tempfile.gettempdir()) / f"capacity-{n}-{worker.pid}.svg"
    print(f"   profiling worker {worker.pid} for {seconds} s -> {out}", flush=True)
    return subprocess.Popen(
        [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(worker.pid),
            "--duration",
            str(seconds),
            "--rate",
            "50",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
            _, project_id = seed(srv.url, db_name, most)
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
                asyncio.run(ramp(args, srv.url, db_name, project_id, groups, server))
            finally:
                log = srv.log_path.read_text(errors="replace")
                if "Traceback" in log:
                    print("\nserver log (tail):\n" + log[-3000:])
    finally:
        drop_pg_database(db_name)
        drop_redis_prefix(prefix)


def redis_procs() -> list[psutil.Process]:
    procs = []
    for p in psutil.process_iter(["name"]):
        if p.info["name"] == "redis-server":
            procs.append(p)
    return procs


if __name__ == "__main__":
    main()
