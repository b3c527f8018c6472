"""Password-reset requests: does the answer's timing tell who has an account?

Run:  .venv/bin/python -m bench.password_reset [--requests 300]

One in-process server on SQLite (embedded default: mail written to the data
dir by the in-process job worker). Requests for an existing account and for
unknown addresses alternate, so both see the same load (including the jobs
the known ones start); a per-IP and per-address limit high enough never to
answer early. Prints p50/p95 of each and the ratio known/unknown (1.00 means
the same time). For scale, the same for sign-in with a wrong password
(argon2id verified against a dummy hash for unknown emails).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._env import bench_settings
from tests.support.signup import sign_up_in_app


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


async def main(requests: int) -> None:
    from litestar.testing import AsyncTestClient

    from server.app import create_app
    from server.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="hubnity-bench-reset-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = bench_settings(
            url,
            Path(tmp),
            PASSWORD_RESET_RATE_LIMIT="100000/hour",
            # No lockout here: a locked account answers 429 at once, which is
            # not the password check this compares.
            LOGIN_LOCKOUT_THRESHOLD="1000000",
            LOG_JSON="true",
        )
        async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
            email = f"owner-{uuid.uuid4().hex[:8]}@bench.test"
            await sign_up_in_app(
                client, email, "bench pass phrase", name="B", organization="Bench"
            )
            results: dict[str, list[float]] = {
                k: [] for k in ("reset known", "reset unknown", "login known", "login unknown")
            }
            for i in range(requests):
                for kind, address in (("known", email), ("unknown", f"x{i}@bench.test")):
                    t = time.perf_counter()
                    r = await client.post("/api/v1/auth/password-reset", json={"email": address})
                    results[f"reset {kind}"].append(time.perf_counter() - t)
                    assert r.status_code == 202
            for _ in range(max(20, requests // 10)):
                for kind, address in (("known", email), ("unknown", "nobody@bench.test")):
                    t = time.perf_counter()
                    r = await client.post(
                        "/api/v1/auth/login", json={"email": address, "password": "wrong guess!"}
                    )
                    results[f"login {kind}"].append(time.perf_counter() - t)
            await _drain(client)
    for name, values in results.items():
        print(
            f"{name:14s} n={len(values):4d}  p50 {_pct(values, 0.5):7.2f} ms  "
            f"p95 {_pct(values, 0.95):7.2f} ms"
        )
    for what in ("reset", "login"):
        ratio = statistics.median(results[f"{what} known"]) / statistics.median(
            results[f"{what} unknown"]
        )
        print(f"{what}: median known / unknown = {ratio:.2f}")


async def _drain(client: object) -> None:
    """Lets the in-process mail jobs finish before the server stops."""
    await asyncio.sleep(0.5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args().requests))
