"""Build the one-folder desktop agent with PyInstaller.

    python installers/build_agent.py [--dist DIR] [--work DIR] [--no-smoke]

Run it with the Python of an environment that has the `agent` extra and
PyInstaller (`pip install -e '.[agent,dev]'`). It builds on the platform it runs
on (PyInstaller does not cross-compile): Linux → build/installers/dist/
hubnity-agent/, Windows → the same folder with hubnity-agent.exe (then
installers/windows/hubnity-agent.iss), macOS → also "Hubnity Agent.app".

After the build it runs the binary with `--version` and fails unless it prints
the project's version (skipped on Windows/macOS GUI builds, which have no
console, and with --no-smoke).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

INSTALLERS = Path(__file__).resolve().parent
ROOT = INSTALLERS.parent
SPEC = INSTALLERS / "hubnity-agent.spec"
DEFAULT_DIST = ROOT / "build" / "installers" / "dist"
DEFAULT_WORK = ROOT / "build" / "installers" / "work"
APP_NAME = "hubnity-agent"


def project_version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "shared" / "version.py").read_text(), namespace)  # noqa: S102 - our own file
    return namespace["__version__"]


def binary_path(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / APP_NAME / f"{APP_NAME}{suffix}"


def build(dist: Path, work: Path) -> Path:
    if not (ROOT / "agent" / "__main__.py").exists():
        raise SystemExit("build_agent: agent/__main__.py is missing; nothing to build")
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ]
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT)
    binary = binary_path(dist)
    if not binary.exists():
        raise SystemExit(f"build_agent: PyInstaller finished but {binary} is missing")
    print(f"built {binary} in {time.monotonic() - started:.0f}s")
    return binary


def smoke(binary: Path, version: str) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=120, env=env
    )
    if result.returncode != 0 or version not in result.stdout:
        raise SystemExit(
            f"build_agent: `{binary.name} --version` gave exit {result.returncode}, "
            f"stdout {result.stdout!r}, stderr {result.stderr[-2000:]!r}; expected {version}"
        )
    print(f"smoke ok: {result.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="output folder")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="PyInstaller work folder")
    parser.add_argument("--no-smoke", action="store_true", help="skip the --version check")
    args = parser.parse_args(argv)
    binary = build(args.dist.resolve(), args.work.resolve())
    if not args.no_smoke and sys.platform.startswith("linux"):
        smoke(binary, project_version())
    return 0


if __name__ == "__main__":
    sys.exit(main())
