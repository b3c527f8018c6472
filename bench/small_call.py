"""The agent's usual sync call alone: server CPU per call, and where it goes.

Run:  .venv/bin/python -m bench.small_call [--calls 1000] [--rounds 3] [--before REF]
                                            [--profile DIR]

Starts `hubnity-server` on its embedded SQLite and on a fresh PostgreSQL
database (with `--before REF`, also both as of git commit REF, from a `git
archive`), signs one user in on each, and sends `--calls` sequential small
calls per server and round on one keep-alive connection: the running entry's
next revision + one activity minute, the body `bench.aw_compare` sends
(`POST /api/v1/sync/batch`). Servers are visited in turn each round, so load
from elsewhere hits all alike. Prints p50 latency and the server process's CPU
per call (utime + stime over the timed calls, from /proc), with the load
average before and after.

`--profile DIR`: during the first round, `py-spy record --gil -r 500 --format
raw` of each server (samples that hold the GIL: the Python work), written to
DIR as collapsed stacks (one `frame;frame;... count` line per stack).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._processes import VENV_BIN
from bench.aw_compare import HubnityTarget, hubnity_targets, run_small


def _profiled(t: HubnityTarget, calls: int, out: Path) -> None:
    spy = subprocess.Popen(
        [str(VENV_BIN / "py-spy"), "record", "--pid", str(t.pid), "--gil", "-r", "500",
         "--format", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    try:
        run_small(t, calls)
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait()


def main(calls: int, rounds: int, before: str | None, profile: Path | None) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets = hubnity_targets(stack, tmp, before, "hubnity_smallcall")
        for t in targets:
            t.setup()
            run_small(t, 50, timed=False)  # warm-up: connections, statement caches
        load_before = os.getloadavg()
        for r in range(rounds):
            for t in targets:
                if profile is not None and r == 0:
                    profile.mkdir(parents=True, exist_ok=True)
                    _profiled(t, calls, profile / f"{t.name.replace(' ', '_')}.txt")
                else:
                    run_small(t, calls)
            print(f"round {r + 1}/{rounds} done", flush=True)
        print(f"load average before: {load_before}, after: {os.getloadavg()}")
        print(f"{'server':<24} {'p50 ms':>8} {'p95 ms':>8} {'server CPU ms per call':>23}")
        for t in targets:
            p95 = statistics.quantiles(t.small_ms, n=100, method="inclusive")[94]
            print(f"{t.name:<24} {statistics.median(t.small_ms):>8.2f} {p95:>8.2f} "
                  f"{t.small_cpu * 1000 / len(t.small_ms):>23.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000, help="small calls per server and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", metavar="GIT_REF", help="also run the servers of this commit")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="py-spy profiles of the first round into DIR")
    args = parser.parse_args()
    main(args.calls, args.rounds, args.before, args.profile)
