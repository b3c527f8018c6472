"""Package the one-folder agent bundle as a Debian package with dpkg-deb.

    python installers/linux/build_deb.py [--bundle DIR] [--out DIR] [--compression xz|gzip|zstd]

Input: the PyInstaller folder from installers/build_agent.py (default
build/installers/dist/hubnity-agent). Output: <out>/hubnity-agent_<version>_<arch>.deb
with

    /opt/hubnity-agent/                       the bundle
    /usr/bin/hubnity-agent                    launcher (exec's the bundle)
    /usr/share/applications/hubnity-agent.desktop
    /etc/xdg/autostart/hubnity-agent.desktop  starts the tray at every login
    /usr/share/icons/hicolor/{256x256,scalable}/apps/hubnity-agent.{png,svg}
    /usr/share/doc/hubnity-agent/copyright

Install with `sudo apt install ./hubnity-agent_<version>_<arch>.deb` (resolves
the Qt/X11 libraries below) or `sudo dpkg -i` when they are already present.
No root is needed to build: ownership is set with --root-owner-group.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LINUX = Path(__file__).resolve().parent
INSTALLERS = LINUX.parent
ROOT = INSTALLERS.parent
ASSETS = INSTALLERS / "assets"
PACKAGE = "hubnity-agent"
DEFAULT_BUNDLE = ROOT / "build" / "installers" / "dist" / PACKAGE
DEFAULT_OUT = ROOT / "build" / "installers"

# Shared libraries the bundle takes from the system: PyInstaller leaves out the
# C library, OpenGL/EGL and X11/xcb (they must match the running display), and
# Qt's xcb platform plugin and mss (ctypes: libX11, libXrandr, libXfixes) need them.
DEPENDS = [
    "libglib2.0-0 | libglib2.0-0t64",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libgl1",
    "libegl1",
    "libx11-6",
    "libx11-xcb1",
    "libxrandr2",
    "libxfixes3",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
]
# A tray icon on GNOME needs the AppIndicator/KStatusNotifier extension.
SUGGESTS = ["gnome-shell-extension-appindicator"]

DESCRIPTION = """\
Hubnity desktop time-tracking agent
 The tray agent of Hubnity, an open, self-hostable workforce time tracker.
 It records time entries, per-minute keyboard/mouse activity counts (never
 which keys) and periodic screenshots as your organization's policy sets,
 keeps them in an offline queue and uploads them to your Hubnity server.
 .
 The agent starts at login through /etc/xdg/autostart."""


def project_version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "shared" / "version.py").read_text(), namespace)  # noqa: S102 - our own file
    return namespace["__version__"]


def debian_version(version: str) -> str:
    """PEP 440 → Debian ordering: 1.2.0rc1 → 1.2.0~rc1 (sorts before 1.2.0)."""
    version = version.replace("+", "+local.", 1) if "+" in version else version
    return re.sub(r"\.?(a|b|rc|dev)(\d*)", r"~\1\2", version)


def host_architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


_GLIBC_SYMBOL_VERSION = re.compile(rb"GLIBC_2\.(\d+)(?:\.(\d+))?\x00")


def glibc_requirement(bundle: Path, floor: str = "2.31") -> str:
    """The newest GLIBC_2.x symbol version any ELF file of the bundle asks for.

    PyInstaller bundles libraries of the build machine, so the package needs
    at least that machine's C library: build on the oldest distribution you
    support. A plain byte scan of each ELF file's version strings, which over-
    rather than under-estimates and needs no binutils.
    """
    best = tuple(int(x) for x in floor.split("."))
    for path in bundle.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
            data = fh.read()
        for match in _GLIBC_SYMBOL_VERSION.finditer(data):
            version = (2, int(match.group(1)), *((int(match.group(2)),) if match.group(2) else ()))
            best = max(best, version)
    return ".".join(str(x) for x in best)


def _install(src: Path, dest: Path, mode: int) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(mode)


def _tree_size_kib(path: Path) -> int:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return (total + 1023) // 1024


def stage(bundle: Path, staging: Path, version: str, arch: str, maintainer: str) -> None:
    """Lay out the package tree under `staging` (everything except running dpkg-deb)."""
    binary = bundle / PACKAGE
    if not binary.is_file():
        raise SystemExit(f"build_deb: {binary} not found; run installers/build_agent.py first")
    shutil.copytree(bundle, staging / "opt" / PACKAGE, symlinks=True)
    _install(LINUX / "hubnity-agent.sh", staging / "usr/bin" / PACKAGE, 0o755)
    _install(LINUX / "hubnity-agent.desktop",
             staging / "usr/share/applications/hubnity-agent.desktop", 0o644)
    _install(LINUX / "hubnity-agent-autostart.desktop",
             staging / "etc/xdg/autostart/hubnity-agent.desktop", 0o644)
    _install(ASSETS / "hubnity.png",
             staging / "usr/share/icons/hicolor/256x256/apps/hubnity-agent.png", 0o644)
    _install(ASSETS / "hubnity.svg",
             staging / "usr/share/icons/hicolor/scalable/apps/hubnity-agent.svg", 0o644)
    _install(LINUX / "copyright", staging / "usr/share/doc" / PACKAGE / "copyright", 0o644)

    for path in staging.rglob("*"):  # dpkg-deb rejects group/world-writable control files
        if path.is_dir():
            path.chmod(0o755)

    control_dir = staging / "DEBIAN"
    control_dir.mkdir()
    control = {
        "Package": PACKAGE,
        "Version": debian_version(version),
        "Architecture": arch,
        "Maintainer": maintainer,
        "Installed-Size": str(_tree_size_kib(staging)),
        "Depends": ", ".join([f"libc6 (>= {glibc_requirement(bundle)})", *DEPENDS]),
        "Suggests": ", ".join(SUGGESTS),
        "Section": "utils",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    (control_dir / "control").write_text("".join(f"{k}: {v}\n" for k, v in control.items()))
    _install(LINUX / "postinst", control_dir / "postinst", 0o755)
    _install(LINUX / "postrm", control_dir / "postrm", 0o755)
    (control_dir / "conffiles").write_text("/etc/xdg/autostart/hubnity-agent.desktop\n")
    sums = []
    for path in sorted(staging.rglob("*")):
        if path.is_file() and not path.is_symlink() and control_dir not in path.parents:
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(staging).as_posix()}\n")
    (control_dir / "md5sums").write_text("".join(sums))
    (control_dir / "md5sums").chmod(0o644)


def build_deb(
    bundle: Path = DEFAULT_BUNDLE,
    out: Path = DEFAULT_OUT,
    compression: str = "xz",
    maintainer: str | None = None,
) -> Path:
    version = project_version()
    arch = host_architecture()
    maintainer = maintainer or os.environ.get(
        "DEB_MAINTAINER", "Hubnity maintainers <maintainers@hubnity.invalid>"
    )
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{PACKAGE}_{debian_version(version)}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="hubnity-deb-", dir=out) as tmp:
        staging = Path(tmp) / "root"
        staging.mkdir(mode=0o755)
        stage(bundle, staging, version, arch, maintainer)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(staging),
             str(deb)],
            check=True,
        )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--compression", default="xz", choices=["xz", "gzip", "zstd", "none"])
    parser.add_argument("--maintainer", help="Maintainer field (default $DEB_MAINTAINER)")
    args = parser.parse_args(argv)
    deb = build_deb(args.bundle.resolve(), args.out.resolve(), args.compression, args.maintainer)
    print(deb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
