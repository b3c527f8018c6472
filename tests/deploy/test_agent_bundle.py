"""The real thing, once: PyInstaller builds the agent, the binary runs headless,
and the .deb made from it installs with dpkg -i and runs from /usr/bin.

One module-scoped build (about half a minute warm, a few minutes cold) is
shared by all tests here; everything is built in a temporary folder and the
package is purged afterwards, so the machine is left as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.deploy.conftest import INSTALLERS, ROOT
from tests.deploy.test_desktop_installers import build_deb, project_version
from tests.support.tools import require, require_tool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

AGENT_MAIN = ROOT / "agent" / "__main__.py"


def agent_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HUBNITY_AGENT_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    return env


@pytest.fixture(scope="module")
def build_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hubnity-agent-build-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def bundle(build_dir: Path) -> Path:
    assert AGENT_MAIN.exists(), "agent/__main__.py is missing: nothing to bundle"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(INSTALLERS / "build_agent.py"), "--dist", str(build_dir / "dist"),
         "--work", str(build_dir / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=1100,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    print(f"PyInstaller build: {time.monotonic() - started:.0f}s")
    return build_dir / "dist" / "hubnity-agent"


def test_bundle_is_one_folder_without_server_code(bundle: Path):
    binary = bundle / "hubnity-agent"
    assert binary.is_file() and os.access(binary, os.X_OK)
    internal = bundle / "_internal"
    assert internal.is_dir(), "one-folder layout"
    assert any(internal.glob("libQt6Widgets.so*")), "Qt came along"
    names = {p.name for p in internal.iterdir()}
    for server_only in ("litestar", "sqlalchemy", "boto3", "uvicorn"):
        assert server_only not in names


def test_bundle_carries_every_agent_module_and_the_platform_backends(bundle: Path):
    """Modules imported lazily (OS backends, tray) are easy to lose in a freeze."""
    from PyInstaller.archive.readers import CArchiveReader

    pyz = CArchiveReader(str(bundle / "hubnity-agent")).open_embedded_archive("PYZ.pyz")
    modules = set(pyz.toc)
    ours = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "agent").rglob("*.py")
    }
    assert not ours - modules, f"agent modules not bundled: {sorted(ours - modules)}"
    for backend in ("pynput.keyboard._xorg", "pynput.mouse._xorg", "pynput._util.xorg",
                    "mss.linux", "keyring.backends.SecretService", "httpx", "shared.schemas"):
        assert backend in modules, backend
    assert not {m for m in modules if m.split(".")[0] in ("server", "litestar", "sqlalchemy")}


def test_bundle_prints_its_version(bundle: Path, tmp_path: Path):
    result = subprocess.run([str(bundle / "hubnity-agent"), "--version"],
                            env=agent_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == project_version()


def test_bundle_runs_headless_and_stops_on_sigterm(bundle: Path, tmp_path: Path):
    binary = str(bundle / "hubnity-agent")
    env = agent_env(tmp_path / "data")
    proc = subprocess.Popen([binary, "--headless"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        first = proc.stdout.readline()  # printed once the core is up
        assert f"hubnity-agent {project_version()} headless" in first, (
            first + (proc.stderr.read() if proc.poll() is not None else ""))
        assert proc.poll() is None, "exited right after starting"
        status = subprocess.run([binary, "status"], env=env, capture_output=True, text=True,
                                timeout=120)
        assert status.returncode == 0, status.stderr
        assert f"running (pid {proc.pid})" in status.stdout, status.stdout
        assert (tmp_path / "data").is_dir() and any((tmp_path / "data").iterdir())
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, proc.stderr.read()[-3000:]


@contextmanager
def xvfb_with_tray() -> Iterator[str]:
    """A private X display with a system tray host (trayer)."""
    for tool in ("Xvfb", "trayer", "xdotool", "xdpyinfo"):
        require_tool(tool, "start the frozen agent's tray on a private X display")
    number = next(n for n in range(120, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    display = f":{number}"
    env = dict(os.environ, DISPLAY=display)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tray = None
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline and xvfb.poll() is None, "Xvfb did not start"
            time.sleep(0.1)
        tray = subprocess.Popen(["trayer", "--edge", "top", "--align", "right"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        yield display
    finally:
        for proc in (tray, xvfb):
            if proc is not None:
                proc.terminate()
                proc.wait(10)


@pytest.mark.x11
def test_bundle_starts_the_tray_on_a_desktop(bundle: Path, tmp_path: Path):
    """What the autostart entry runs: the Qt tray, from the frozen bundle, on real X."""
    binary = str(bundle / "hubnity-agent")
    with xvfb_with_tray() as display:
        env = agent_env(tmp_path / "data")
        env.pop("QT_QPA_PLATFORM")
        env.update(DISPLAY=display, HUBNITY_AGENT_CREDENTIALS="file")
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 90
            found = None
            while found is None or found.returncode != 0:
                assert proc.poll() is None, proc.communicate()[1][-3000:]
                assert time.monotonic() < deadline, "no sign-in window within 90 s"
                time.sleep(0.5)
                found = subprocess.run(["xdotool", "search", "--name", "Sign in to Hubnity"],
                                       env=env, capture_output=True, text=True)
            status = subprocess.run([binary, "status"], env=env, capture_output=True,
                                    text=True, timeout=120)
            assert f"running (pid {proc.pid})" in status.stdout, status.stdout + status.stderr
        finally:
            proc.terminate()
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
        assert code == 0, proc.communicate()[1][-3000:]


def _installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", package],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "installed"


def _install_missing_dependencies(deb: Path) -> None:
    """What `apt install ./x.deb` would do first; dpkg -i itself resolves nothing."""
    depends = subprocess.run(["dpkg-deb", "--field", str(deb), "Depends"], capture_output=True,
                             text=True, check=True).stdout
    missing = []
    for group in depends.split(","):
        names = [alt.split()[0] for alt in group.split("|")]
        if not any(_installed(n) for n in names):
            missing.append(names[0])
    if not missing:
        return
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
               "-o", "DPkg::Lock::Timeout=600", *missing]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(command, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq", "-o", "DPkg::Lock::Timeout=600"], env=env,
                       check=True, capture_output=True)
        subprocess.run(command, env=env, check=True, capture_output=True)


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    # Another apt/dpkg run may hold the lock for a while: wait for it.
    for _ in range(120):
        result = subprocess.run(["dpkg", *args], capture_output=True, text=True)
        if "lock" not in result.stderr:
            return result
        time.sleep(5)
    return result


def test_deb_installs_with_dpkg_and_runs(bundle: Path, build_dir: Path, tmp_path: Path):
    require_tool("dpkg", "install the agent's .deb")
    require(os.geteuid() == 0, "dpkg -i needs root", "run the tests as root, as CI does")
    require(not _installed("hubnity-agent"),
            "a hubnity-agent package is already installed here; not touching it",
            "dpkg --purge hubnity-agent")
    deb = build_deb.build_deb(bundle, build_dir / "deb", compression="gzip")
    _install_missing_dependencies(deb)
    try:
        result = _dpkg("-i", str(deb))
        assert result.returncode == 0, result.stdout + result.stderr
        assert _installed("hubnity-agent")
        for path in ("/opt/hubnity-agent/hubnity-agent", "/usr/bin/hubnity-agent",
                     "/usr/share/applications/hubnity-agent.desktop",
                     "/etc/xdg/autostart/hubnity-agent.desktop",
                     "/usr/share/icons/hicolor/256x256/apps/hubnity-agent.png"):
            assert Path(path).exists(), path
        assert shutil.which("hubnity-agent", path="/usr/bin") == "/usr/bin/hubnity-agent"
        run = subprocess.run(["/usr/bin/hubnity-agent", "--version"], env=agent_env(tmp_path),
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == project_version()
    finally:
        purge = _dpkg("--purge", "hubnity-agent")
    assert purge.returncode == 0, purge.stderr
    assert not Path("/opt/hubnity-agent").exists()
    assert not Path("/etc/xdg/autostart/hubnity-agent.desktop").exists()
