"""The load generator's own cost: client CPU per request, httpx vs aiohttp, asyncio vs uvloop.

Run:  .venv/bin/python -m bench.client_cost [--requests 3000] [--agents 10] \
          [--paced-agents 150] [--paced-requests 10] [--gap 4]

bench.capacity's load generator runs on the cores of the stack it measures, so
its CPU is taken from the server: it should be as small as practical. This
bench starts a `hubnity-server --workers 2` on a fresh PostgreSQL database and
Redis (local screenshot storage; no worker takes the queued thumbnail jobs:
the server's side is not measured here), and drives it with bench.capacity's
very Agent over each transport: httpx (`httpx.AsyncClient`, one connection,
keep-alive expiry 3 s, as the bench had) and aiohttp (`ClientSession` +
`TCPConnector(limit=1, keepalive_timeout=3)`, as it has), each on the stdlib
event loop and on uvloop.

The requests are the capacity mix of 30 simulated minutes, in its proportions:
30 syncs (the capacity batch body), 3 streamed 147 KiB multipart screenshot
uploads, 3 config and 3 active-projects polls (with If-None-Match, mostly
304s) and 2 token refreshes. Two shapes:

- back-to-back: `--agents` agents, each sequential, all at once, `--requests`
  in all; each agent's connection is reused (keep-alive), as in
  bench.capacity at `--minute 1`, where an agent syncs every second.
- paced: `--paced-agents` agents each make `--paced-requests` requests `--gap`
  seconds apart (phases spread), so every request finds its idle connection
  expired (after 3 s) and opens a new one, as in bench.capacity at its
  default `--minute 6`, where an agent's requests are mostly >= 3 s apart.

Printed per run: requests, errors, 304s, wall time, and the CPU time of this
process (time.process_time(), user + system, all threads) per request, with
its ratio to httpx on the stdlib loop (the former generator) of the same shape.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, create_pg_database, drop_pg_database, require_redis
from bench._processes import run_server, server_env
from bench.capacity import drop_redis_prefix, seed
from bench.capacity_agent import (
    KEEPALIVE_SECONDS,
    TIMEOUT_SECONDS,
    Agent,
    AiohttpTransport,
    Reply,
    Stats,
    Transport,
    Upload,
    iso,
    run,
    screenshot_jpeg,
)
from server.db.migrate import upgrade

Action = Callable[[Agent], Awaitable[None]]
# 30 simulated minutes of one agent, interleaved as its schedule would.
MIX: list[Action] = []
for minute in range(30):
    MIX.append(Agent.sync)
    if minute % 10 == 4:
        MIX.append(Agent.upload)
    if minute % 10 == 7:
        MIX += [Agent.call_config, Agent.call_projects]
    if minute % 15 == 11:
        MIX.append(Agent.refresh)


class HttpxTransport:
    """The former generator's client: one AsyncClient, one keep-alive connection."""

    errors: tuple[type[BaseException], ...] = (httpx.HTTPError,)

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        limits = httpx.Limits(
            max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_SECONDS
        )
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        content: bytes | None,
        form: Upload | None,
        timeout: float | None,
    ) -> Reply:
        kw: dict[str, object] = {"timeout": timeout} if timeout else {}
        if form is not None:
            kw["data"] = form.fields
            kw["files"] = {form.name: (form.filename, form.content, form.content_type)}
        r = await self.client.request(method, path, headers=headers, content=content, **kw)  # type: ignore[arg-type]
        return Reply(r.status_code, r.headers, r.content)

    async def aclose(self) -> None:
        await self.client.aclose()


CLIENTS: dict[str, Callable[[str], Transport]] = {
    "httpx": HttpxTransport,
    "aiohttp": AiohttpTransport,
}


async def sign_in(url: str, n: int) -> list[Account]:
    stats = Stats()
    transports = [AiohttpTransport(url) for _ in range(n)]
    agents = [
        Agent(t, stats, f"agent{i + 1}@capacity.test", 1, b"", "") for i, t in enumerate(transports)
    ]
    ok = await asyncio.gather(*(a.sign_in() for a in agents))
    for t in transports:
        await t.aclose()
    if not all(ok):
        raise SystemExit(f"sign-in failed: {stats.samples}")
    # Recorded time must lie before now + 1 day: the runs' entries follow one
    # another from two days back.
    start = (datetime.now(UTC) - timedelta(days=2)).replace(second=0, microsecond=0)
    return [Account(a.access, a.refresh_token, start) for a in agents]


async def stop(agent: Agent) -> datetime:
    """Stop the agent's running entry (a later run's entry would overlap it);
    returns when the next entry of its user may start."""
    agent.revision += 1
    end = agent.start + timedelta(minutes=agent.revision)
    entry = {
        "idempotencyKey": agent.key,
        "revision": agent.revision,
        "startTime": iso(agent.start),
        "endTime": iso(end),
        "status": "STOPPED",
        "timezone": "UTC",
        "projectId": agent.project_id,
    }
    body = {"deviceId": "capacity", "entries": [entry]}
    await agent.call("stop", "POST", "/api/v1/sync/batch", json_body=body)
    return end + timedelta(minutes=1)


@dataclass
class Account:
    """A signed-in user, handed from run to run: its tokens (refresh tokens
    rotate) and where its next entry may start."""

    access: str
    refresh: str
    start: datetime


async def drive(
    client: str,
    url: str,
    project_id: str,
    jpeg: bytes,
    accounts: list[Account],
    per_agent: int,
    gap: float,
) -> dict[str, float]:
    stats = Stats()
    transports = [CLIENTS[client](url) for _ in accounts]
    agents = []
    for i, (t, account) in enumerate(zip(transports, accounts, strict=True)):
        agent = Agent(t, stats, f"agent{i + 1}@capacity.test", 1, jpeg, project_id)
        agent.access, agent.refresh_token = account.access, account.refresh
        agent.start = account.start
        agents.append(agent)
    # Warm-up, not measured: connections opened, the ETags of the polls learnt,
    # the running entry on the server (an upload names it).
    await asyncio.gather(*(a.poll_policy() for a in agents))
    await asyncio.gather(*(a.sync() for a in agents))
    if stats.errors:
        raise SystemExit(f"warm-up failed: {stats.samples}")
    stats.reset()
    for a in agents:
        a.not_modified = 0

    async def one(agent: Agent, offset: int) -> None:
        if gap:
            await asyncio.sleep(random.uniform(0, gap))
        for i in range(per_agent):
            await MIX[(offset + i) % len(MIX)](agent)
            if gap:
                await asyncio.sleep(gap)

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(a, 7 * i) for i, a in enumerate(agents)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    result = {
        "requests": sum(len(v) for v in stats.latencies.values()),
        "errors": sum(stats.errors.values()),
        "304": sum(a.not_modified for a in agents),
        "wall": wall,
    }
    result["cpu_ms"] = 1000 * cpu / max(result["requests"], 1)
    for sample in stats.samples:
        print(f"      e.g. {sample}")
    stats.reset()
    ends = await asyncio.gather(*(stop(a) for a in agents))
    if stats.errors:
        raise SystemExit(f"stopping the entries failed: {stats.samples}")
    for account, agent, end in zip(accounts, agents, ends, strict=True):
        account.access, account.refresh, account.start = agent.access, agent.refresh_token, end
    for t in transports:
        await t.aclose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="back-to-back, in all")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--paced-agents", type=int, default=150)
    parser.add_argument("--paced-requests", type=int, default=10, help="per paced agent")
    parser.add_argument("--gap", type=float, default=4.0, help="seconds between paced requests")
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    shapes = [
        ("back-to-back", args.agents, max(1, args.requests // args.agents), 0.0),
        ("paced", args.paced_agents, args.paced_requests, args.gap),
    ]
    require_redis()
    db_name, db_url = create_pg_database("hubnity_bench_client")
    prefix = f"hubnity-client-{uuid.uuid4().hex[:8]}:"
    env = {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix}
    try:
        upgrade(db_url)
        with (
            tempfile.TemporaryDirectory() as tmp,
            run_server(Path(tmp) / "data", env, args=("--workers", "2")) as srv,
        ):
            most = max(s[1] for s in shapes)
            data_dir = Path(tmp) / "data"
            server = server_env(HUBNITY_DATA_DIR=str(data_dir), **env)  # no hubnity-worker here
            _, project_id = seed(srv.url, data_dir, db_name, most, no_worker_env=server)
            jpeg = screenshot_jpeg()
            accounts = run(sign_in(srv.url, most))
            print(
                f"mix of {len(MIX)} requests per agent cycle; screenshot "
                f"{len(jpeg) / 1024:.0f} KiB; client CPU = time.process_time() of this process"
            )
            print(
                f"\n   {'shape':12} {'loop':7} {'client':7} {'requests':>8} {'errors':>6} "
                f"{'304s':>5} {'wall s':>7} {'CPU ms/request':>15} {'vs httpx+asyncio':>17}"
            )
            for shape, n, per_agent, gap in shapes:
                base = 0.0
                for loop in ("asyncio", "uvloop"):
                    for client in CLIENTS:
                        mine = accounts[:n]
                        r = run(
                            drive(client, srv.url, project_id, jpeg, mine, per_agent, gap), loop
                        )
                        base = base or r["cpu_ms"]
                        print(
                            f"   {shape:12} {loop:7} {client:7} {r['requests']:8.0f} "
                            f"{r['errors']:6.0f} {r['304']:5.0f} {r['wall']:7.1f} "
                            f"{r['cpu_ms']:15.3f} {base / r['cpu_ms']:16.2f}x",
                            flush=True,
                        )
            log = srv.log_path.read_text(errors="replace")
            if "Traceback" in log:
                print("\nserver log (tail):\n" + log[-3000:])
    finally:
        drop_pg_database(db_name)
        drop_redis_prefix(prefix)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
