"""bench.capacity's measurements: CPU, run-queue wait and RSS per process group,
the bench database's PostgreSQL backends, the per-step report, py-spy profiles."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from bench._env import pg_dsn
from bench._processes import VENV_BIN
from bench.capacity_agent import Stats, pct

STACK = ("server workers", "hubnity-worker", "postgres backends", "moto S3")


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


def redis_procs() -> list[psutil.Process]:
    procs = []
    for p in psutil.process_iter(["name"]):
        if p.info["name"] == "redis-server":
            procs.append(p)
    return procs
