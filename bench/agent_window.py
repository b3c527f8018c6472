"""The tray agent's footprint around the timer window, signed in and tracking.

Run: .venv/bin/python -m bench.agent_window [--seconds 60] [--baseline-source DIR]

1. Starts a `hubnity-server` (embedded SQLite), registers an account with
   three projects and signs the agent in (`hubnity-agent login`).
2. On a private Xvfb (1920x1080) with a tray host and desktop-like content,
   runs the tray (`hubnity-agent --track --no-capture`) three ways, each measured for
   --seconds after 5 s of start-up, without input: the window never opened
   (the baseline), the timer window open (`--show-window`, refreshed every
   second), and the same process after the window was closed (Esc).
3. With --baseline-source (a source tree, e.g. an older commit from
   `git archive`), also runs that tree's tray (PYTHONPATH) the first way.

Prints a Markdown table (CPU % of one core, peak RSS, ratio to the baseline).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._processes import run_server, xvfb  # noqa: E402
from bench.agent_footprint import sample, start_content  # noqa: E402
from tests.support.signup import sign_up  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "Kq7-ZT4p-9xw-Lm2r-Hv8s"


def _account(url: str, data_dir: Path) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@bench.hubnity.test"
    pair = sign_up(url, data_dir, email, PASSWORD, name="Bench", organization="Bench")
    h = {"Authorization": f"Bearer {pair['accessToken']}"}
    for name in ("Website", "Internal", "Mobile app"):
        httpx.post(f"{url}/api/v1/projects", json={"name": name}, headers=h).raise_for_status()
    return email


def _visible(env: dict[str, str]) -> list[str]:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "^Hubnity$"],
        env=env,
        capture_output=True,
        text=True,
    )
    return found.stdout.split()


def _run(
    env: dict[str, str], data: Path, seconds: float, window: bool
) -> list[tuple[float, float]]:
    # No screenshots: their 1920x1080 frame buffers raise the peak RSS at
    # random moments (bench.agent_footprint measures them); this is about the UI.
    cmd = [str(BIN / "hubnity-agent"), "--data-dir", str(data), "--track", "--no-capture"]
    proc = subprocess.Popen(
        [*cmd, *(["--show-window"] if window else [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(5)
        out = [sample(proc.pid, seconds)]
        if window:
            ids = _visible(env)
            assert ids, "the timer window did not open"
            subprocess.run(["xdotool", "windowfocus", "--sync", ids[-1]], env=env, check=True)
            subprocess.run(["xdotool", "key", "Escape"], env=env, check=True)
            time.sleep(2)
            assert not _visible(env), "the timer window did not close"
            out.append(sample(proc.pid, seconds))
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-source", type=Path, default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hubnity-bench-window-"))
    with run_server(tmp / "server") as server:
        email = _account(server.url, server.data_dir)
        data = tmp / "agent"
        env = {
            **os.environ,
            "HUBNITY_AGENT_CREDENTIALS": "file",
            "HUBNITY_AGENT_PASSWORD": PASSWORD,
        }
        subprocess.run(
            [
                str(BIN / "hubnity-agent"),
                "login",
                "--data-dir",
                str(data),
                "--server-url",
                server.url,
                "--email",
                email,
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        with xvfb(1920, 1080, tray=True) as display:
            content = start_content(display)
            env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
            try:
                ((base_cpu, base_rss),) = _run(env, data, args.seconds, window=False)
                (open_cpu, open_rss), (closed_cpu, closed_rss) = _run(
                    env, data, args.seconds, window=True
                )
                old = None
                if args.baseline_source is not None:
                    old_env = {**env, "PYTHONPATH": str(args.baseline_source.resolve())}
                    (old,) = _run(old_env, data, args.seconds, window=False)
            finally:
                content.terminate()
                content.wait(10)
    head = f"tray, signed in, tracking ({args.seconds:.0f} s, no input, no capture)"
    print(f"| {head} | CPU | peak RSS | RSS ratio |")
    print("| --- | ---: | ---: | ---: |")
    rows = [("window never opened (baseline)", base_cpu, base_rss)]
    if old is not None:
        rows.append((f"baseline source {args.baseline_source}", *old))
    rows += [
        ("timer window open", open_cpu, open_rss),
        ("after closing the window", closed_cpu, closed_rss),
    ]
    for name, cpu, rss in rows:
        print(f"| {name} | {cpu:.2f} % | {rss:.0f} MB | {rss / base_rss:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
