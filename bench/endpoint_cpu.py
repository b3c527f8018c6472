"""CPU time per request, per endpoint, on the production stack of bench.capacity.

Run:  .venv/bin/python -m bench.endpoint_cpu [--calls 300] [--agents 8] \
          [--baseline /path/to/an/older/source/tree]

Latency on a shared machine says how busy the machine is; CPU time is work
done, so it holds under load. This bench starts the stack bench.capacity
uses (`hubnity-server --workers 2` on a fresh PostgreSQL database, Redis,
one `hubnity-worker`, moto S3), signs `--agents` agents in, and then, one
endpoint at a time, has them make `--calls` requests (each agent sequential,
all agents at once, as bench.capacity's agents do: config and active-projects
polls with the ETag of their last answer, a token refresh, a streamed 147 KiB
JPEG upload, a sync batch). Per endpoint it prints the CPU milliseconds per
call of each process group: server workers, `hubnity-worker` (an upload is
counted until its screenshot is processed), PostgreSQL backends, moto, minus
what each group burns idle (measured first, 3 s).

With `--baseline DIR`, the same runs first against the stack of the source
tree DIR (e.g. `git archive <commit> | tar -x -C DIR`), then against this
tree, in one invocation, and prints the ratios (this tree / baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, create_pg_database, drop_pg_database, pg_dsn, require_redis
from bench._processes import _stop, run_moto, run_server, server_env
from bench.capacity import BUCKET, drop_redis_prefix, seed
from bench.capacity_agent import Agent, AiohttpTransport, Stats, run, screenshot_jpeg
from bench.capacity_meter import pg_backends
from server.db.migrate import upgrade

HERE = Path(__file__).resolve().parents[1]
ENDPOINTS = ("config", "projects", "refresh", "upload", "sync")
GROUPS = ("server workers", "hubnity-worker", "postgres backends", "moto S3")


@contextmanager
def run_worker(env: dict[str, str], source: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.jobs.worker_cli"],
            env=server_env(**env, PYTHONPATH=str(source)),
            cwd=source,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(1.5)
        if proc.poll() is not None:
            raise RuntimeError(f"hubnity-worker did not start:\n{log.read_text()[-2000:]}")
        yield proc
    finally:
        _stop(proc)


def cpu_of(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def pending_shots(db_name: str) -> int:
    import psycopg

    with psycopg.connect(pg_dsn(db_name), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM screenshots WHERE status = 'PENDING'").fetchone()
    return int(row[0]) if row else 0


class Stack:
    def __init__(
        self, db_name: str, server: psutil.Process, worker: psutil.Process, moto: psutil.Process
    ) -> None:
        self.db_name, self.server, self.worker, self.moto = db_name, server, worker, moto

    def groups(self) -> dict[str, list[psutil.Process]]:
        # PostgreSQL backends of the pools, read per snapshot (they come and go).
        return {
            "server workers": [self.server, *self.server.children(recursive=True)],
            "hubnity-worker": [self.worker],
            "postgres backends": pg_backends(self.db_name)[0],
            "moto S3": [self.moto],
        }

    def snapshot(self) -> tuple[float, dict[str, dict[int, float]]]:
        return time.monotonic(), {
            name: {p.pid: cpu_of([p]) for p in procs} for name, procs in self.groups().items()
        }


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before[pid] for pid in after if pid in before)


async def measure(
    stack: Stack, agents: list[Agent], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    actions: dict[str, Callable[[Agent], Awaitable[None]]] = {
        "config": lambda a: a.call_config(),
        "projects": lambda a: a.call_projects(),
        "refresh": lambda a: a.refresh(),
        "upload": lambda a: a.upload(),
        "sync": lambda a: a.sync(),
    }
    for a in agents:  # warm-up: pools open, first-call caches, the ETags learnt
        for name in ENDPOINTS:
            await actions[name](a)
    while pending_shots(stack.db_name):
        await asyncio.sleep(0.2)
    t0, idle0 = stack.snapshot()
    await asyncio.sleep(3)
    t1, idle1 = stack.snapshot()
    idle = {g: spent(idle0[g], idle1[g]) / (t1 - t0) for g in GROUPS}
    print("   idle CPU, % of a core: " + ", ".join(f"{g} {100 * v:.1f}" for g, v in idle.items()))
    out: dict[str, dict[str, float]] = {}
    per_agent = max(1, args.calls // len(agents))
    for name in args.endpoints:
        stats = agents[0].stats
        stats.reset()
        t0, before = stack.snapshot()
        spies = start_spies(stack, args.profile, name) if args.profile else []

        async def run(
            agent: Agent, action: Callable[[Agent], Awaitable[None]] = actions[name]
        ) -> None:
            for _ in range(per_agent):
                await action(agent)

        await asyncio.gather(*(run(a) for a in agents))
        while name == "upload" and pending_shots(stack.db_name):
            await asyncio.sleep(0.1)
        t1, after = stack.snapshot()
        stop_spies(spies)
        calls = per_agent * len(agents)
        errors = sum(stats.errors.values())
        out[name] = {
            g: 1000 * max(0.0, spent(before[g], after[g]) - idle[g] * (t1 - t0)) / calls
            for g in GROUPS
        }
        out[name]["errors"] = errors
        print(
            f"   {name}: {calls} calls in {t1 - t0:.1f} s, raw CPU s: "
            + ", ".join(f"{g} {spent(before[g], after[g]):.2f}" for g in GROUPS),
            flush=True,
        )
        out[name]["not modified"] = sum(a.not_modified for a in agents)
        for a in agents:
            a.not_modified = 0
    return out


def start_spies(stack: Stack, out: Path, endpoint: str) -> list[subprocess.Popen[bytes]]:
    """py-spy on every server worker and the job worker, stopped with SIGINT
    when the endpoint's calls end (collapsed stacks: `--format raw`)."""
    out.mkdir(parents=True, exist_ok=True)
    groups = stack.groups()
    procs = [*groups["server workers"][1:], *groups["hubnity-worker"]]
    spy = str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [spy, "record", "--pid", str(p.pid), "--rate", "250", "--format", "raw",
             "--nonblocking", "--output", str(out / f"{endpoint}-{p.pid}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for p in procs
    ]


def stop_spies(spies: list[subprocess.Popen[bytes]]) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(timeout=30)


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}: CPU ms per call (idle subtracted)")
    print(
        f"   {'endpoint':9} "
        + " ".join(f"{g:>17}" for g in GROUPS)
        + f" {'stack':>7} {'304s':>5} {'errors':>6}"
    )
    for name, row in results.items():
        stack = sum(row[g] for g in GROUPS)
        print(
            f"   {name:9} "
            + " ".join(f"{row[g]:17.2f}" for g in GROUPS)
            + f" {stack:7.2f} {int(row['not modified']):5} {int(row['errors']):6}"
        )


def run_tree(source: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    db_name, db_url = create_pg_database("hubnity_bench_cpu")
    prefix = f"hubnity-cpu-{uuid.uuid4().hex[:8]}:"
    try:
        upgrade(db_url)
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as es:
            moto = es.enter_context(run_moto())
            moto.client().create_bucket(Bucket=BUCKET)
            env = {
                "DATABASE_URL": db_url,
                "REDIS_URL": REDIS_URL,
                "REDIS_PREFIX": prefix,
                "HUBNITY_ENV": "production",
                **moto.env(BUCKET),
            }
            data = Path(tmp) / "data"
            srv = es.enter_context(
                run_server(
                    data, env, timeout=180, source=source, args=("--workers", str(args.workers))
                )
            )
            worker = es.enter_context(
                run_worker({**env, "HUBNITY_DATA_DIR": str(data)}, source, Path(tmp) / "worker.log")
            )
            _, project_id = seed(srv.url, srv.data_dir, db_name, args.agents)
            stack = Stack(
                db_name,
                psutil.Process(srv.proc.pid),
                psutil.Process(worker.pid),
                psutil.Process(moto.proc.pid),
            )
            return run(drive(srv.url, project_id, stack, args))
    finally:
        drop_pg_database(db_name)
        drop_redis_prefix(prefix)


async def drive(
    url: str, project_id: str, stack: Stack, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    stats = Stats()
    jpeg = screenshot_jpeg()
    # One session (one connection) per agent, as bench.capacity's agents.
    clients = [AiohttpTransport(url, timeout=60) for _ in range(args.agents)]
    try:
        agents = [
            Agent(client, stats, f"agent{i + 1}@capacity.test", 1.0, jpeg, project_id)
            for i, client in enumerate(clients)
        ]
        for a in agents:
            if not await a.sign_in():
                raise SystemExit(f"sign-in failed: {stats.samples}")
        return await measure(stack, agents, args)
    finally:
        for client in clients:
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300, help="requests per endpoint")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="a source tree to compare with")
    parser.add_argument(
        "--profile", type=Path, help="directory for py-spy's collapsed stacks per endpoint"
    )
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help=f"which to measure, comma-separated (default {','.join(ENDPOINTS)})",
    )
    args = parser.parse_args()
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    require_redis()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    base = run_tree(args.baseline.resolve(), args) if args.baseline else None
    if base:
        print_table(f"baseline {args.baseline}", base)
    this = run_tree(HERE, args)
    print_table(f"this tree {HERE}", this)
    if base:
        print("\n   stack CPU per call, this tree / baseline:")
        for name in args.endpoints:
            a, b = (sum(r[name][g] for g in GROUPS) for r in (this, base))
            print(f"   {name:9} {b:7.2f} -> {a:7.2f} ms  ({a / b if b else 0:.2f}x)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
