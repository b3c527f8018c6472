"""Screenshot upload: server memory growth by file size, and throughput vs bare boto3.

Run:  .venv/bin/python -m bench.upload_memory [--repeat 3]

For each storage backend (local directory; S3 on moto's standalone server) and
each size (1 MB, 40 MB), a fresh `hubnity-server` process (SQLite, Redis-backed
job queue so that no image job runs inside the server) receives warm-up
uploads (4 x 256 KB + 1 x 12 MB, the same for both sizes), then one measured
upload through POST /api/v1/sync/screenshots.
Growth of one upload = the server's peak RSS (VmHWM, reset through
/proc/<pid>/clear_refs just before) after the upload minus before it; each
size is uploaded --repeat times and the largest growth counts.
Flat means: growth(40 MB) <= 1.2 x growth(1 MB).

Throughput: the 40 MB upload through the server vs a bare boto3
`upload_fileobj` of the same bytes to the same moto endpoint, in the same run
(median of --repeat). For the local backend the baseline is writing the same
bytes to a file in the same directory.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import REDIS_URL, require_redis
from bench._env import server_env as bench_server_env
from bench._processes import MotoServer, run_moto, run_server
from tests.support.process import server_command
from tests.support.signup import create_organization

MB = 1024 * 1024
SIZES = (1 * MB, 40 * MB)


def _payload(size: int) -> bytes:
    """PNG magic followed by random bytes: passes the sniffing, not decoded (no worker)."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


async def _account(http: httpx.AsyncClient, env: dict[str, str]) -> tuple[dict[str, str], str]:
    """An owner made by `hubnity-server create-organization` with the server's
    environment `env` (its Redis job queue has no worker to mail a sign-up link)."""
    pair = await asyncio.to_thread(
        create_organization, server_command(), env, str(http.base_url).rstrip("/"),
        f"bench-{uuid.uuid4().hex[:8]}@example.test", "correct horse battery",
        name="Bench", organization="Bench")
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    key = str(uuid.uuid4())
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    r = await http.post("/api/v1/sync/batch", headers=headers, json={
        "deviceId": "bench", "entries": [{
            "idempotencyKey": key, "revision": 1, "startTime": start.isoformat(),
            "endTime": (start + timedelta(hours=1)).isoformat(), "status": "STOPPED",
            "timezone": "UTC"}]})
    r.raise_for_status()
    return headers, key


async def _upload(http: httpx.AsyncClient, headers: dict[str, str], entry: str,
                  data: bytes) -> float:
    fields = {"idempotencyKey": str(uuid.uuid4()), "timeEntryKey": entry,
              "capturedAt": datetime.now(UTC).isoformat(), "blurLevel": "0",
              "metadata": json.dumps({"bench": True})}
    t0 = time.perf_counter()
    r = await http.post("/api/v1/sync/screenshots", headers=headers, data=fields,
                        files={"file": ("bench.png", data, "image/png")})
    elapsed = time.perf_counter() - t0
    if r.status_code != 201:
        raise RuntimeError(f"upload failed: {r.status_code} {r.text}")
    return elapsed


async def _measure(env: dict[str, str], size: int, repeat: int) -> tuple[int, float, int, int]:
    """(peak RSS growth of one upload of `size`, median seconds per upload,
    peak RSS right after start-up, peak RSS after the warm-up)."""
    with tempfile.TemporaryDirectory(prefix="hubnity-bench-") as tmp:
        server_env = {**env, "SCREENSHOT_MAX_BYTES": "64mb",
                      "BODY_SIZE_LIMIT": "100mb", "REDIS_URL": REDIS_URL,
                      "REDIS_PREFIX": f"hubnity-bench-{uuid.uuid4().hex[:8]}:",
                      "SYNC_RATE_LIMIT": "100000/min", "LOG_JSON": "true"}
        with run_server(Path(tmp) / "data", server_env) as server:
            pid = server.proc.pid
            async with httpx.AsyncClient(base_url=server.url, timeout=300) as http:
                started = _peak_rss(pid)
                headers, entry = await _account(
                    http, bench_server_env(HUBNITY_DATA_DIR=str(Path(tmp) / "data"), **server_env))
                # Warm-up: code paths, DB and HTTP pools, boto3's client, the
                # storage thread pool and its malloc arenas. The same for both
                # sizes, and it includes one multipart-sized object (12 MB), so
                # that what is measured is what one more upload costs.
                for warm in (_payload(256 * 1024),) * 4 + (_payload(12 * MB),):
                    await _upload(http, headers, entry, warm)
                data = _payload(size)
                # Registration's argon2 hash alone peaks at 64 MiB; reset the
                # high-water mark to the current RSS so only the upload counts.
                Path(f"/proc/{pid}/clear_refs").write_text("5")
                before = _peak_rss(pid)
                times = [await _upload(http, headers, entry, data)]
                growth = _peak_rss(pid) - before
                later = []
                for _ in range(repeat - 1):
                    Path(f"/proc/{pid}/clear_refs").write_text("5")
                    mark = _peak_rss(pid)
                    times.append(await _upload(http, headers, entry, data))
                    later.append(_peak_rss(pid) - mark)
                print(f"    {size // MB} MB: peak RSS growth of each upload "
                      f"{', '.join(_kib(g) for g in [growth, *later])}")
                growth = max([growth, *later])
                await _clear_redis(server_env["REDIS_PREFIX"])
                return growth, statistics.median(times), started, before


async def _clear_redis(prefix: str) -> None:
    import redis.asyncio as aioredis

    r = aioredis.from_url(REDIS_URL)
    keys = [k async for k in r.scan_iter(f"*{prefix}*")]
    if keys:
        await r.delete(*keys)
    await r.aclose()


def _boto3_baseline(moto: MotoServer, bucket: str, data: bytes, repeat: int) -> float:
    client = moto.client()
    client.upload_fileobj(io.BytesIO(data[: MB]), bucket, "warmup")
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        client.upload_fileobj(io.BytesIO(data), bucket, f"baseline-{i}")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _file_baseline(data: bytes, repeat: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            t0 = time.perf_counter()
            with open(Path(tmp) / f"b{i}", "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    require_redis()
    ok = True
    with run_moto() as moto:
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        moto.client().create_bucket(Bucket=bucket)
        backends = {"local": {}, "s3": moto.env(bucket)}
        for name, env in backends.items():
            growth: dict[int, int] = {}
            seconds: dict[int, float] = {}
            for size in SIZES:
                growth[size], seconds[size], started, warmed = await _measure(
                    env, size, args.repeat)
                print(f"[{name}] {size // MB} MB: server peak RSS {_kib(started)} after start, "
                      f"{_kib(warmed)} after warm-up, at most +{_kib(growth[size])} per upload")
            big = SIZES[-1]
            data = _payload(big)
            if name == "s3":
                base = await asyncio.to_thread(_boto3_baseline, moto, bucket, data, args.repeat)
                base_name = "bare boto3 upload_fileobj"
            else:
                base = await asyncio.to_thread(_file_baseline, data, args.repeat)
                base_name = "bare file write + fsync"
            # Growth below one 256 KiB chunk buffer is measurement noise (page granularity).
            noise = 256 * 1024
            flat = growth[big] <= max(1.2 * growth[SIZES[0]], noise)
            ratio = growth[big] / growth[SIZES[0]] if growth[SIZES[0]] else float("nan")
            throughput = (big / seconds[big]) / (big / base)
            print(f"[{name}] worst peak RSS growth: 1 MB upload +{_kib(growth[SIZES[0]])}, "
                  f"40 MB upload +{_kib(growth[big])} → ratio {ratio:.2f} "
                  f"(target ≤ 1.2; {'flat' if flat else 'NOT flat'})")
            print(f"[{name}] 40 MB upload: {big / seconds[big] / MB:.1f} MiB/s through the "
                  f"server vs {big / base / MB:.1f} MiB/s {base_name} → "
                  f"{throughput:.0%} (target ≥ 50% for S3)")
            ok &= flat and (name != "s3" or throughput >= 0.5)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
