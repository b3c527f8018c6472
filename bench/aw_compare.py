"""Hubnity's sync against ActivityWatch's aw-server, side by side in one run.

Run:  .venv/bin/python -m bench.aw_compare [--rounds 5] [--batches 4] [--calls 200]

aw-server 0.12.0 (PyPI, peewee/SQLite storage, no auth, no dedupe) is installed
into the bench's own virtualenv `bench/.aw-venv` on first use (never into the
project's), and started with its data under a temporary XDG directory. Three
servers run at once, each a real process on its own port:

- **aw** — `aw-server --storage peewee`;
- **sqlite** — `hubnity-server` on its embedded default (SQLite, no Redis);
- **postgres** — `hubnity-server` on a fresh PostgreSQL database.

Two measurements, in interleaved rounds (every round visits every server, so
load from elsewhere on the machine hits all of them alike):

- **batch** — 1,100 rows per request: for Hubnity 100 ten-minute entries +
  1,000 activity minutes through `POST /api/v1/sync/batch`; for aw-server
  1,100 events through `POST /api/0/buckets/<id>/events`. rows/s per server,
  and the ratio to aw-server in the same run;
- **small** — the agent's usual call, sequential on one keep-alive connection:
  one running entry's next revision + one activity minute; for aw-server its
  `/heartbeat` (pulsetime 60, the watchers' call). p50/p95 latency per call.

Bodies are encoded before timing; the client is `http.client` (keep-alive),
the least a client can add per request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import create_pg_database, drop_pg_database, server_env
from bench._processes import _stop, free_port, run_server
from server.db.migrate import upgrade
from tests.support.signup import sign_up

AW_VERSION = "0.12.0"
# peewee 4 (allowed by aw-core's metadata) breaks aw-server 0.12's bucket JSON.
AW_PINS = ("peewee>=3.17,<4",)
AW_VENV = Path(__file__).resolve().parent / ".aw-venv"
ENTRIES = 100
MINUTES_PER_ENTRY = 10
ROWS = ENTRIES + ENTRIES * MINUTES_PER_ENTRY  # 1,100
PASSWORD = "correct horse battery 42"


def aw_server_exe() -> Path:
    """aw-server in bench/.aw-venv, installed there from PyPI when missing."""
    exe = AW_VENV / "bin" / "aw-server"
    if not exe.exists():
        print(f"installing aw-server {AW_VERSION} into {AW_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(AW_VENV)], check=True)
        subprocess.run([str(AW_VENV / "bin" / "pip"), "install", "-q",
                        f"aw-server=={AW_VERSION}", *AW_PINS], check=True)
    return exe


@contextmanager
def run_aw(tmp: Path) -> Iterator[tuple[str, int]]:
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data"),
           "XDG_CONFIG_HOME": str(tmp / "config"), "XDG_CACHE_HOME": str(tmp / "cache")}
    log = open(tmp / "aw.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(aw_server_exe()), "--storage", "peewee", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("aw-server did not start:\n"
                                   + (tmp / "aw.log").read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{url}/api/0/info", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        _stop(proc)
        log.close()


class Conn:
    """One keep-alive connection; post() returns (status, body)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.c = http.client.HTTPConnection(host, int(port), timeout=300)
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def fresh(self) -> None:
        """A new connection (untimed): servers drop idle keep-alive connections."""
        self.c.close()
        self.c.connect()

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.c.request("POST", path, body=body, headers=self.headers)
        r = self.c.getresponse()
        return r.status, r.read()


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def hubnity_batch(start: datetime) -> bytes:
    entries: list[dict[str, object]] = []
    acts: list[dict[str, object]] = []
    for i in range(ENTRIES):
        s = start + timedelta(minutes=MINUTES_PER_ENTRY * i)
        key = str(uuid.uuid4())
        entries.append({"idempotencyKey": key, "revision": 1, "startTime": iso(s),
                        "endTime": iso(s + timedelta(minutes=MINUTES_PER_ENTRY)),
                        "status": "STOPPED", "timezone": "UTC", "description": "bench"})
        acts.extend({"timeEntryKey": key, "minute": iso(s + timedelta(minutes=m)),
                     "keyboardClicks": 40, "mouseMovements": 200, "activeSeconds": 50}
                    for m in range(MINUTES_PER_ENTRY))
    return json.dumps({"deviceId": "bench", "entries": entries, "activity": acts}).encode()


def aw_batch(start: datetime) -> bytes:
    return json.dumps([
        {"timestamp": iso(start + timedelta(minutes=i)), "duration": 60.0,
         "data": {"app": "editor", "title": f"file {i % 7}.py"}}
        for i in range(ROWS)
    ]).encode()


def hubnity_small(key: str, start: datetime, n: int) -> bytes:
    return json.dumps({
        "deviceId": "bench",
        "entries": [{"idempotencyKey": key, "revision": n, "startTime": iso(start),
                     "status": "RUNNING", "timezone": "UTC", "description": "bench"}],
        "activity": [{"timeEntryKey": key, "minute": iso(start + timedelta(minutes=n)),
                      "keyboardClicks": 40, "mouseMovements": 200, "activeSeconds": 50}],
    }).encode()


def aw_heartbeat(start: datetime, n: int) -> bytes:
    return json.dumps({"timestamp": iso(start + timedelta(seconds=60 * n)), "duration": 0,
                       "data": {"app": "editor", "title": "file.py"}}).encode()


class Target:
    """One server: how to post a batch and a small call, and what came back."""

    conn: Conn

    def __init__(self, name: str, url: str, pid: int) -> None:
        self.name = name
        self.url = url
        self.pid = pid
        self.batch_seconds: list[float] = []
        self.small_ms: list[float] = []
        self.batch_cpu = 0.0  # server CPU seconds over the timed batches
        self.small_cpu = 0.0
        self.next_batch_day = 0
        self.small_n = 0

    def setup(self) -> None: ...

    def batch_body(self) -> tuple[str, bytes]:
        raise NotImplementedError

    def small_body(self) -> tuple[str, bytes]:
        raise NotImplementedError

    def check_batch(self, status: int, body: bytes) -> None:
        assert status == 200, (self.name, status, body[:300])

    def check_small(self, status: int, body: bytes) -> None:
        assert status == 200, (self.name, status, body[:300])

    def batch_start(self) -> datetime:
        self.next_batch_day += 1
        return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=self.next_batch_day)


class AwTarget(Target):
    bucket = "bench-bucket"

    def setup(self) -> None:
        r = httpx.post(f"{self.url}/api/0/buckets/{self.bucket}",
                       json={"type": "currentwindow", "client": "bench", "hostname": "bench"})
        assert r.status_code in (200, 304), r.text
        self.conn = Conn(self.url)
        self.small_start = datetime(2026, 1, 1, tzinfo=UTC)

    def batch_body(self) -> tuple[str, bytes]:
        return f"/api/0/buckets/{self.bucket}/events", aw_batch(self.batch_start())

    def small_body(self) -> tuple[str, bytes]:
        self.small_n += 1
        return (f"/api/0/buckets/{self.bucket}/heartbeat?pulsetime=120",
                aw_heartbeat(self.small_start, self.small_n))


class HubnityTarget(Target):
    def __init__(self, name: str, url: str, pid: int, data_dir: Path) -> None:
        super().__init__(name, url, pid)
        self.data_dir = data_dir  # the server's (its mail: the sign-up link)

    def setup(self) -> None:
        email = f"bench-{uuid.uuid4().hex[:10]}@bench.test"
        pair = sign_up(self.url, self.data_dir, email, PASSWORD, name="Load Tester",
                       organization="Bench Org", timeout=300, before_links=True)
        self.conn = Conn(self.url, {"Authorization": f"Bearer {pair['accessToken']}"})
        self.small_key = str(uuid.uuid4())
        self.small_start = datetime(2026, 1, 1, tzinfo=UTC)

    def batch_body(self) -> tuple[str, bytes]:
        return "/api/v1/sync/batch", hubnity_batch(self.batch_start())

    def small_body(self) -> tuple[str, bytes]:
        self.small_n += 1
        return "/api/v1/sync/batch", hubnity_small(self.small_key, self.small_start, self.small_n)

    def check_batch(self, status: int, body: bytes) -> None:
        super().check_batch(status, body)
        got = json.loads(body)
        assert got["processed"] == ENTRIES and got["activity"]["processed"] == ROWS - ENTRIES, got

    def check_small(self, status: int, body: bytes) -> None:
        super().check_small(status, body)
        got = json.loads(body)
        assert got["processed"] == 1 and got["activity"]["processed"] == 1, got


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_batches(t: Target, n: int, timed: bool = True) -> None:
    bodies = [t.batch_body() for _ in range(n)]
    t.conn.fresh()
    cpu = cpu_seconds(t.pid)
    for path, body in bodies:
        t0 = time.perf_counter()
        status, answer = t.conn.post(path, body)
        elapsed = time.perf_counter() - t0
        t.check_batch(status, answer)
        if timed:
            t.batch_seconds.append(elapsed)
    if timed:
        t.batch_cpu += cpu_seconds(t.pid) - cpu


def run_small(t: Target, n: int, timed: bool = True) -> None:
    bodies = [t.small_body() for _ in range(n)]
    t.conn.fresh()
    cpu = cpu_seconds(t.pid)
    for path, body in bodies:
        t0 = time.perf_counter()
        status, answer = t.conn.post(path, body)
        elapsed = time.perf_counter() - t0
        t.check_small(status, answer)
        if timed:
            t.small_ms.append(elapsed * 1000)
    if timed:
        t.small_cpu += cpu_seconds(t.pid) - cpu


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(targets: list[Target]) -> None:
    aw = targets[0]
    aw_rate = ROWS * len(aw.batch_seconds) / sum(aw.batch_seconds)
    aw_p50 = statistics.median(aw.small_ms)
    print(f"\nbatch of {ROWS} rows ({ENTRIES} entries + {ROWS - ENTRIES} activity minutes; "
          f"aw-server: {ROWS} events)")
    print(f"{'server':<20} {'rows/s':>9} {'median ms':>10} {'vs aw':>7} {'server CPU ms':>14}")
    for t in targets:
        rate = ROWS * len(t.batch_seconds) / sum(t.batch_seconds)
        print(f"{t.name:<20} {rate:>9,.0f} {statistics.median(t.batch_seconds) * 1000:>10.1f} "
              f"{rate / aw_rate:>6.2f}x {t.batch_cpu * 1000 / len(t.batch_seconds):>14.1f}")
    print("\nsmall call (Hubnity: next revision of a running entry + 1 activity minute; "
          "aw-server: /heartbeat)")
    print(f"{'server':<20} {'p50 ms':>8} {'p95 ms':>8} {'calls/s':>8} {'p50 vs aw':>10} "
          f"{'server CPU ms':>14}")
    for t in targets:
        p50 = statistics.median(t.small_ms)
        print(f"{t.name:<20} {p50:>8.2f} {pct(t.small_ms, 95):>8.2f} {1000 / p50:>8.0f} "
              f"{aw_p50 / p50:>9.2f}x {t.small_cpu * 1000 / len(t.small_ms):>14.2f}")


def extract(ref: str, into: Path) -> Path:
    """The source tree of git `ref` (for --before), as `git archive` gives it."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], check=True, capture_output=True,
                             cwd=Path(__file__).resolve().parents[1]).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def hubnity_targets(
    stack: ExitStack, tmp: Path, before: str | None, db_prefix: str
) -> list[HubnityTarget]:
    """A Hubnity server on SQLite and one on a fresh PostgreSQL database, for
    this tree and, with `before`, for that commit's tree too (its own
    migrations); all stopped and dropped when `stack` closes."""
    trees: list[tuple[str, Path | None]] = [("", None)]
    if before:
        trees.append((f" ({before})", extract(before, tmp / "before")))
    targets: list[HubnityTarget] = []
    for label, source in trees:
        name, pg_url = create_pg_database(db_prefix)
        stack.callback(drop_pg_database, name)
        if source is None:
            upgrade(pg_url)
        else:  # that tree's own migrations
            subprocess.run([sys.executable, "-m", "server.cli", "migrate"], cwd=source,
                           env=server_env(DATABASE_URL=pg_url, PYTHONPATH=str(source),
                                          HUBNITY_DATA_DIR=str(tmp / "migrate")),
                           check=True, capture_output=True)
        # A shared machine at load 20+ takes minutes to import a server.
        sqlite = stack.enter_context(run_server(tmp / f"sqlite{label}", {"LOG_JSON": "true"},
                                                source=source, timeout=300))
        pg = stack.enter_context(run_server(tmp / f"pg{label}", {
            "DATABASE_URL": pg_url, "LOG_JSON": "true"}, source=source, timeout=300))
        targets += [HubnityTarget(f"sqlite{label}", sqlite.url, sqlite.proc.pid, sqlite.data_dir),
                    HubnityTarget(f"postgres{label}", pg.url, pg.proc.pid, pg.data_dir)]
    return targets


def main(rounds: int, batches: int, calls: int, before: str | None) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        aw_url, aw_pid = stack.enter_context(run_aw(tmp / "aw"))
        targets: list[Target] = [AwTarget("aw-server", aw_url, aw_pid)]
        targets += hubnity_targets(stack, tmp, before, "hubnity_awbench")
        for t in targets:
            t.setup()
            run_batches(t, 2, timed=False)  # warm-up: connections, plan caches
            run_small(t, 20, timed=False)
        for r in range(rounds):
            for t in targets:
                run_batches(t, batches)
                run_small(t, calls)
            print(f"round {r + 1}/{rounds} done", flush=True)
        print(f"load average after the run: {os.getloadavg()}")
        report(targets)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=4, help="timed batches per server and round")
    parser.add_argument("--calls", type=int, default=200, help="small calls per server and round")
    parser.add_argument("--before", metavar="GIT_REF",
                        help="also run Hubnity as of this commit (e.g. 698e239), same rounds")
    args = parser.parse_args()
    main(args.rounds, args.batches, args.calls, args.before)
