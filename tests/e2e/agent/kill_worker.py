"""A busy agent for the kill -9 trials (run as a separate process).

`work`: tracks with a fake clock (5 s per step), switches projects, pauses,
captures and uploads in small batches as fast as it can, until killed.
`drain`: starts (recovering whatever the kill left), uploads everything, exits.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime
from pathlib import Path

from agent.core.agent import Agent
from agent.core.clock import FakeClock
from agent.core.credentials import FileStore
from agent.core.shots import CaptureResult
from agent.core.tracker import State


def _capture(_blur: int) -> CaptureResult:
    from tests.e2e.agent.conftest import jpeg

    data = jpeg()
    return CaptureResult(data, "image/jpeg", 64, 48, None, {"os": "test"})


def main() -> int:
    mode, data, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    projects = sys.argv[4].split(",")
    clock_file = data / "fake-clock.txt"
    start = datetime.fromisoformat(clock_file.read_text().strip())
    clock = FakeClock(start)
    rng = random.Random(seed)
    agent = Agent(
        data, clock=clock, capturer=_capture, rng=rng, store=FileStore(data / "credentials.json")
    )
    agent.uploader.batch_entries = 2
    agent.uploader.batch_activity = 10
    if mode == "drain":
        for _ in range(50):
            agent.uploader.sync_once()
            if agent.outbox.depth().total == 0:
                break
        print(json.dumps({"depth": agent.outbox.depth().total}), flush=True)
        agent.outbox.close()
        return 0
    print("ready", flush=True)
    agent.start_tracking(rng.choice(projects))
    while True:
        # Persist the fake time first: a restart must continue after it.
        tmp = clock_file.with_suffix(".tmp")  # atomic: the kill may come at any byte
        tmp.write_text(clock.now().isoformat())
        tmp.replace(clock_file)
        clock.advance(5)
        agent.counter.key()
        agent.counter.move()
        agent.tick()
        roll = rng.random()
        if roll < 0.05:
            agent.switch(rng.choice(projects), None)
        elif roll < 0.08:
            if agent.tracker.state is State.RUNNING:
                agent.pause()
            else:
                agent.start_tracking()
        elif roll < 0.12:
            agent.capture_now()
        elif roll < 0.40:
            print("sync", flush=True)  # the test may aim its kill -9 right here
            agent.uploader.sync_once()
        time.sleep(0.001)


if __name__ == "__main__":
    sys.exit(main())
