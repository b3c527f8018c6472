"""Unusual-activity flags on synthetic input traces: are jigglers caught, are people left alone?

Run:  .venv/bin/python -m bench.jiggler_flags [--traces 20] [--minutes 90] [--seed 1]

Each trace is a stream of input events (key presses, pointer moves with their
positions, clicks, wheel steps) with sub-second timing. It goes through the
agent's real activity path: `InputCounter` (what the pynput listeners call)
on a fake clock, drained every second into `MinuteBuckets`, flushed every
minute into a real outbox (SQLite), read back and turned into wire rows by
the uploader's `activity_to_wire`. The server's detector
(`server.insight.flags.detect`) then judges the minutes.

Jigglers: fixed-interval nudges (1, 10 or 50 px; every 5-60 s), small
circles (radius 3-20 px, 5-20 steps a second, continuous or in spurts),
cheap random-interval nudges (1-3 px, every 1-40 s). People: typing bursts
with mouse use, reading with occasional scrolls, meetings (sparse nudges and
chat). Prints, per kind, how many traces got a `jiggler` flag, and the same
for a baseline that only has the counts older agents send (flag a stretch of
mouse-only minutes), to show what the input signals add.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.core.activity import InputCounter, MinuteBuckets
from agent.core.clock import FakeClock, floor_minute
from agent.core.outbox import Outbox
from agent.core.uploader import activity_to_wire
from server.insight import flags as F

Event = tuple[float, str, int, int]  # (seconds from the start, kind, x, y)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- human input ----------------------------------------------------------------------


def human_move(
    rng: random.Random, t: float, x: int, y: int, far: int
) -> tuple[list[Event], int, int]:
    """A hand moving the pointer: ~125 Hz events along an eased, slightly curved path."""
    tx = min(1900, max(0, x + rng.randint(-far, far)))
    ty = min(1060, max(0, y + rng.randint(-far, far)))
    dist = math.hypot(tx - x, ty - y)
    duration = min(1.5, 0.12 + dist / rng.uniform(600, 1500))
    steps = max(3, int(duration / 0.008))
    bend = rng.uniform(-0.15, 0.15) * dist
    out: list[Event] = []
    last = (x, y)
    for i in range(1, steps + 1):
        s = i / steps
        e = s * s * (3 - 2 * s)
        px = round(x + (tx - x) * e + bend * math.sin(math.pi * s) * 0.3 + rng.gauss(0, 0.6))
        py = round(y + (ty - y) * e - bend * math.sin(math.pi * s) * 0.2 + rng.gauss(0, 0.6))
        t += rng.uniform(0.006, 0.011)
        if (px, py) != last:
            out.append((t, "move", px, py))
            last = (px, py)
    return out, last[0], last[1]


def typing_trace(rng: random.Random, minutes: int) -> list[Event]:
    ev: list[Event] = []
    t, x, y = 0.0, 800, 500
    while t < minutes * 60:
        for _ in range(rng.randint(15, 200)):  # a burst of typing
            t += rng.lognormvariate(math.log(0.17), 0.45)
            ev.append((t, "key", 0, 0))
        t += rng.expovariate(1 / 12)  # thinking
        if rng.random() < 0.5:  # reach for the mouse
            moves, x, y = human_move(rng, t, x, y, rng.choice([60, 300, 800]))
            ev += moves
            t = moves[-1][0] if moves else t
            if rng.random() < 0.7:
                t += rng.uniform(0.1, 0.4)
                ev.append((t, "click", 0, 0))
        t += rng.expovariate(1 / 8)
    return ev


def reading_trace(rng: random.Random, minutes: int) -> list[Event]:
    ev: list[Event] = []
    t, x, y = 0.0, 900, 500
    while t < minutes * 60:
        t += rng.lognormvariate(math.log(18), 0.7)  # reading a screenful
        for _ in range(rng.randint(1, 6)):
            t += rng.uniform(0.03, 0.12)
            ev.append((t, "scroll", x, y))
        if rng.random() < 0.12:
            moves, x, y = human_move(rng, t, x, y, rng.choice([30, 200, 600]))
            ev += moves
            t = moves[-1][0] if moves else t
            if rng.random() < 0.6:
                t += 0.3
                ev.append((t, "click", 0, 0))
        if rng.random() < 0.03:
            for _ in range(rng.randint(5, 30)):
                t += rng.lognormvariate(math.log(0.2), 0.4)
                ev.append((t, "key", 0, 0))
    return ev


def meeting_trace(rng: random.Random, minutes: int) -> list[Event]:
    ev: list[Event] = []
    t, x, y = 0.0, 700, 400
    while t < minutes * 60:
        t += rng.expovariate(1 / 150)  # listening
        r = rng.random()
        if r < 0.6:  # a nudge of the mouse, to wake the screen or point at something
            moves, x, y = human_move(rng, t, x, y, rng.choice([8, 20, 120]))
            ev += moves
            t = moves[-1][0] if moves else t
        elif r < 0.8:  # a line in the chat
            for _ in range(rng.randint(10, 60)):
                t += rng.lognormvariate(math.log(0.2), 0.5)
                ev.append((t, "key", 0, 0))
        else:  # unmute, share, react
            moves, x, y = human_move(rng, t, x, y, 400)
            ev += moves
            t = (moves[-1][0] if moves else t) + 0.2
            ev.append((t, "click", 0, 0))
    return ev


# --- jigglers ---------------------------------------------------------------------------


def fixed_interval_jiggler(rng: random.Random, minutes: int) -> list[Event]:
    period = rng.choice([5, 10, 30, 60])
    amp = rng.choice([1, 10, 50])
    x, y = rng.randint(100, 1800), rng.randint(100, 900)
    ev: list[Event] = []
    t = rng.uniform(0, period)
    while t < minutes * 60:
        ev.append((t, "move", x + amp, y))
        ev.append((t + 0.01, "move", x, y))
        t += period
    return ev


def circle_jiggler(rng: random.Random, minutes: int) -> list[Event]:
    radius = rng.randint(3, 20)
    rate = rng.choice([5, 10, 20])  # steps a second
    per_rev = rng.choice([12, 24, 36])
    spurts = rng.random() < 0.5  # some turn for 2 s every 20 s
    cx, cy = rng.randint(200, 1700), rng.randint(200, 800)
    ev: list[Event] = []
    t, k = 0.0, 0
    while t < minutes * 60:
        if not spurts or (t % 20) < 2:
            a = 2 * math.pi * (k % per_rev) / per_rev
            ev.append(
                (t, "move", round(cx + radius * math.cos(a)), round(cy + radius * math.sin(a)))
            )
            k += 1
        t += 1 / rate
    return ev


def random_interval_jiggler(rng: random.Random, minutes: int) -> list[Event]:
    x, y = rng.randint(100, 1800), rng.randint(100, 900)
    amp = rng.randint(1, 3)
    ev: list[Event] = []
    t = 0.0
    while t < minutes * 60:
        t += rng.uniform(1, 40)
        ev.append((t, "move", x + rng.choice([-amp, amp]), y + rng.choice([-amp, 0, amp])))
        ev.append((t + rng.uniform(0.005, 0.05), "move", x, y))
    return ev


# --- through the agent's activity path -------------------------------------------------------


def agent_minutes(events: list[Event], minutes: int, data_dir: Path) -> list[F.Minute]:
    clock = FakeClock(START)
    counter = InputCounter(clock)
    buckets = MinuteBuckets()
    outbox = Outbox(data_dir)
    key = "00000000-0000-4000-8000-000000000001"
    now = 0.0
    tick = 1.0
    last_minute = floor_minute(clock.now())

    def run_until(t: float) -> None:
        nonlocal now, tick, last_minute
        while tick <= t:
            clock.advance(tick - now)
            now = tick
            buckets.absorb(key, counter.drain(), clock.now())
            if floor_minute(clock.now()) != last_minute:
                buckets.flush(outbox, clock.now())
                last_minute = floor_minute(clock.now())
            tick += 1.0
        clock.advance(t - now)
        now = t

    for t, kind, x, y in sorted(events):
        if t >= minutes * 60:
            break
        run_until(t)
        if kind == "key":
            counter.key()
        elif kind == "click":
            counter.click()
        elif kind == "scroll":
            counter.scroll()
        else:
            counter.move(x, y)
    run_until(minutes * 60.0 + 1)
    buckets.flush(outbox, clock.now(), final=True)
    rows = [activity_to_wire(r) for r in outbox.all_activity()]
    outbox.close()
    return [
        F.Minute(
            r.minute,
            r.active_seconds,
            r.keyboard_clicks,
            r.mouse_movements,
            r.interval_cv,
            r.distinct_positions,
            r.pointer_span,
            r.pointer_moves,
        )
        for r in rows
    ]


def baseline_flagged(minutes: list[F.Minute]) -> bool:
    """Counts only (what agents before 0.3 send): a stretch of mouse-only minutes."""
    counts_only = [
        F.Minute(
            m.minute,
            m.active_seconds,
            m.keyboard,
            m.mouse,
            pointer_moves=m.mouse,
            distinct_positions=0,
        )
        for m in minutes
    ]
    return any(f.kind == F.JIGGLER for f in F.detect(counts_only, [], ZoneInfo("UTC")))


TRACES: dict[str, tuple[bool, Callable[[random.Random, int], list[Event]]]] = {
    "fixed-interval jiggler": (True, fixed_interval_jiggler),
    "small-circle jiggler": (True, circle_jiggler),
    "random-interval jiggler": (True, random_interval_jiggler),
    "typing bursts": (False, typing_trace),
    "reading, occasional scrolls": (False, reading_trace),
    "meeting": (False, meeting_trace),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--traces", type=int, default=20)
    ap.add_argument("--minutes", type=int, default=90)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(f"{args.traces} traces of {args.minutes} min per kind, seed {args.seed}")
    print(f"{'trace':30} {'flagged':>9} {'baseline':>9} {'other flags':>12}")
    totals = {True: [0, 0, 0], False: [0, 0, 0]}  # flagged, baseline flagged, traces
    with tempfile.TemporaryDirectory(prefix="hubnity-jiggle-") as tmp:
        for name, (is_jiggler, make) in TRACES.items():
            flagged = base = other = 0
            for i in range(args.traces):
                rng = random.Random(f"{args.seed}-{name}-{i}")
                minutes = agent_minutes(
                    make(rng, args.minutes), args.minutes, Path(tmp) / f"{name}-{i}"
                )
                found = F.detect(minutes, [], ZoneInfo("UTC"))
                flagged += any(f.kind == F.JIGGLER for f in found)
                other += any(f.kind != F.JIGGLER for f in found)
                base += baseline_flagged(minutes)
            t = totals[is_jiggler]
            t[0] += flagged
            t[1] += base
            t[2] += args.traces
            print(f"{name:30} {flagged:>4}/{args.traces:<4} {base:>4}/{args.traces:<4} {other:>8}")
    jig, ppl = totals[True], totals[False]
    print(
        f"detection rate {jig[0] / jig[2]:.0%} (baseline {jig[1] / jig[2]:.0%}); "
        f"false-positive rate {ppl[0] / ppl[2]:.0%} (baseline {ppl[1] / ppl[2]:.0%})"
    )


if __name__ == "__main__":
    main()
