"""Agent installers that are checked without building the agent: the PyInstaller
spec's inputs, the .deb layout (from a stand-in bundle, with the real dpkg-deb),
the Linux desktop entries, the Windows Inno Setup script and the macOS files."""

from __future__ import annotations

import configparser
import importlib.util
import plistlib
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import INSTALLERS, ROOT, assert_console_script
from tests.support.tools import require_tool

LINUX = INSTALLERS / "linux"
WINDOWS = INSTALLERS / "windows"
MACOS = INSTALLERS / "macos"
ASSETS = INSTALLERS / "assets"


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_deb = load_module(LINUX / "build_deb.py")
build_agent = load_module(INSTALLERS / "build_agent.py")


def project_version() -> str:
    from shared.version import __version__

    return __version__


# --- icons and the PyInstaller spec ----------------------------------------------------


def test_icons_are_real_images():
    from PIL import Image

    with Image.open(ASSETS / "hubnity.png") as png:
        assert png.size == (256, 256) and png.mode == "RGBA"
    with Image.open(ASSETS / "hubnity.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    assert (ASSETS / "hubnity.icns").read_bytes()[:4] == b"icns"
    assert "<svg" in (ASSETS / "hubnity.svg").read_text()


def test_spec_inputs_exist_and_names_agree():
    spec = (INSTALLERS / "hubnity-agent.spec").read_text()
    compile(spec, "hubnity-agent.spec", "exec")  # valid Python
    entry = INSTALLERS / "agent_entry.py"
    assert '"agent_entry.py"' in spec and entry.exists()
    assert "from agent.__main__ import main" in entry.read_text()
    assert_console_script("hubnity-agent")
    assert "agent.__main__:main" == __import__("tomllib").loads(
        (ROOT / "pyproject.toml").read_text())["project"]["scripts"]["hubnity-agent"]
    for name in re.findall(r'ASSETS / "([^"]+)"', spec):
        assert (ASSETS / name).is_file(), name
    assert re.search(r'APP_NAME = "hubnity-agent"', spec)
    assert build_agent.APP_NAME == build_deb.PACKAGE == "hubnity-agent"
    assert 'name="Hubnity Agent.app"' in spec and 'BUNDLE_ID = "com.hubnity.agent"' in spec
    # Server-side packages never reach the employee's machine.
    for excluded in ("server", "litestar", "sqlalchemy", "boto3"):
        assert f'"{excluded}"' in spec


# --- Linux: desktop entries and the .deb ----------------------------------------------


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # case-sensitive keys
    parser.read_string(path.read_text())
    return parser["Desktop Entry"]


@pytest.mark.parametrize("name", ["hubnity-agent.desktop", "hubnity-agent-autostart.desktop"])
def test_desktop_entries(name: str):
    entry = desktop_entry(LINUX / name)
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "hubnity-agent", "the launcher installed in /usr/bin"
    assert entry["Icon"] == "hubnity-agent"
    assert entry["Terminal"] == "false"


@pytest.mark.parametrize("name", ["hubnity-agent.desktop", "hubnity-agent-autostart.desktop"])
def test_desktop_entries_pass_desktop_file_validate(name: str):
    validator = require_tool("desktop-file-validate", "check the .desktop files")
    result = subprocess.run([validator, str(LINUX / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not result.stdout.strip(), result.stdout  # no warnings either


def test_autostart_entry_is_enabled_and_hidden_from_menus():
    entry = desktop_entry(LINUX / "hubnity-agent-autostart.desktop")
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert entry["NoDisplay"] == "true"
    assert "Hidden" not in entry, "Hidden=true would disable autostart"


def test_maintainer_scripts_are_valid_shell():
    for name in ("postinst", "postrm", "hubnity-agent.sh"):
        path = LINUX / name
        assert path.read_text().startswith("#!/bin/sh\n")
        assert path.stat().st_mode & stat.S_IXUSR, f"{name} is not executable in git"
        subprocess.run(["sh", "-n", str(path)], check=True)
    assert 'exec /opt/hubnity-agent/hubnity-agent "$@"' in (LINUX / "hubnity-agent.sh").read_text()


@pytest.mark.parametrize(
    ("pep440", "debian"),
    [("0.1.0", "0.1.0"), ("1.2.0rc1", "1.2.0~rc1"), ("1.2.0.dev3", "1.2.0~dev3"),
     ("2.0.0b2", "2.0.0~b2")],
)
def test_debian_version_ordering(pep440: str, debian: str):
    assert build_deb.debian_version(pep440) == debian


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """A stand-in for the PyInstaller folder: the same shape, a shell 'binary'."""
    bundle = tmp_path / "dist" / "hubnity-agent"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "base_library.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    binary = bundle / "hubnity-agent"
    binary.write_text(f"#!/bin/sh\necho {project_version()}\n")
    binary.chmod(0o755)
    # A shared library that asks for glibc 2.34 (and mentions an older one).
    (bundle / "_internal" / "libfake.so.1").write_bytes(
        b"\x7fELF\x02\x01\x01" + b"\0" * 57 + b"GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_PRIVATE\0")
    return bundle


def test_deb_layout_from_a_stand_in_bundle(fake_bundle: Path, tmp_path: Path):
    dpkg_deb = require_tool("dpkg-deb", "build and inspect the agent's .deb")
    deb = build_deb.build_deb(fake_bundle, tmp_path / "out", compression="gzip",
                              maintainer="Test <test@example.invalid>")
    arch = build_deb.host_architecture()
    assert deb.name == f"hubnity-agent_{build_deb.debian_version(project_version())}_{arch}.deb"

    def field(name: str) -> str:
        return subprocess.run([dpkg_deb, "--field", str(deb), name], capture_output=True,
                              text=True, check=True).stdout.strip()

    assert field("Package") == "hubnity-agent"
    assert field("Version") == build_deb.debian_version(project_version())
    depends = [d.strip() for d in field("Depends").split(",")]
    assert depends[0] == "libc6 (>= 2.34)", "the newest glibc symbol version in the bundle"
    assert "libxcb-cursor0" in depends and "libxkbcommon-x11-0" in depends
    listing = subprocess.run([dpkg_deb, "--contents", str(deb)], capture_output=True,
                             text=True, check=True).stdout
    entries = {}
    for line in listing.splitlines():
        mode, owner, *_rest, path = line.split()
        entries[path.removeprefix(".")] = (mode, owner)
    expected = {
        "/opt/hubnity-agent/hubnity-agent": "-rwxr-xr-x",
        "/opt/hubnity-agent/_internal/base_library.zip": "-rw-r--r--",
        "/usr/bin/hubnity-agent": "-rwxr-xr-x",
        "/usr/share/applications/hubnity-agent.desktop": "-rw-r--r--",
        "/etc/xdg/autostart/hubnity-agent.desktop": "-rw-r--r--",
        "/usr/share/icons/hicolor/256x256/apps/hubnity-agent.png": "-rw-r--r--",
        "/usr/share/icons/hicolor/scalable/apps/hubnity-agent.svg": "-rw-r--r--",
        "/usr/share/doc/hubnity-agent/copyright": "-rw-r--r--",
    }
    for path, mode in expected.items():
        assert path in entries, f"{path} not in the package"
        assert entries[path] == (mode, "root/root"), path
    control = tmp_path / "control"
    subprocess.run([dpkg_deb, "--control", str(deb), str(control)], check=True)
    assert (control / "conffiles").read_text() == "/etc/xdg/autostart/hubnity-agent.desktop\n"
    assert "usr/bin/hubnity-agent" in (control / "md5sums").read_text()
    assert (control / "postinst").stat().st_mode & stat.S_IXUSR


def test_deb_builder_refuses_a_missing_bundle(tmp_path: Path):
    with pytest.raises(SystemExit, match=r"build_agent\.py"):
        build_deb.build_deb(tmp_path / "nothing", tmp_path / "out")


# --- Windows: Inno Setup ------------------------------------------------------------


ISS = (WINDOWS / "hubnity-agent.iss").read_text()


def iss_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if re.fullmatch(r"\[[A-Za-z]+\]", line):
            current = line[1:-1]
            sections[current] = []
        elif current and line and not line.startswith(";"):
            sections[current].append(line)
    return sections


def iss_defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))


def iss_entries(lines: list[str]) -> list[dict[str, str]]:
    """`Name: "x"; Flags: a b` lines as dicts."""
    out = []
    for line in lines:
        parts = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]+)', line)
        out.append({k: v.strip().strip('"') for k, v in parts})
    return out


def test_inno_setup_has_every_section():
    sections = iss_sections(ISS)
    for name in ("Setup", "Languages", "Tasks", "Files", "Icons", "Registry", "Run",
                 "UninstallRun", "Code"):
        assert name in sections, f"[{name}] missing"


def test_inno_setup_is_per_user_with_start_menu_and_autostart():
    sections = iss_sections(ISS)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}")  # → %LOCALAPPDATA%\Programs per-user
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"])
    icons = iss_entries(sections["Icons"])
    assert any(i["Name"].startswith("{autoprograms}") and "AppExeName" in i["Filename"]
               for i in icons)
    (run_key,) = iss_entries(sections["Registry"])
    assert run_key["Root"] == "HKCU"
    assert run_key["Subkey"] == r"Software\Microsoft\Windows\CurrentVersion\Run"
    assert "uninsdeletevalue" in run_key["Flags"] and run_key["Tasks"] == "autostart"
    assert iss_entries(sections["Tasks"])[0]["Name"] == "autostart"


def test_inno_setup_file_references_exist():
    defines = iss_defines(ISS)
    assert defines["AppExeName"] == f"{build_agent.APP_NAME}.exe"
    setup = dict(line.split("=", 1) for line in iss_sections(ISS)["Setup"])
    assert (WINDOWS / setup["SetupIconFile"].replace("\\", "/")).resolve() == (
        ASSETS / "hubnity.ico").resolve()
    bundle = (WINDOWS / defines["BundleDir"].replace("\\", "/")).resolve()
    assert bundle == (build_agent.DEFAULT_DIST / build_agent.APP_NAME).resolve(), (
        "the .iss packages what build_agent.py produces")
    (files,) = iss_entries(iss_sections(ISS)["Files"])
    assert files["Source"] == "{#BundleDir}\\*" and "recursesubdirs" in files["Flags"]
    used = set(re.findall(r"\{#(\w+)\}", ISS))
    assert used <= set(re.findall(r"#define\s+(\w+)", ISS)), "every {#X} is defined"


def test_inno_uninstall_keeps_the_outbox_unless_asked():
    defines = iss_defines(ISS)
    # platformdirs.user_data_dir("hubnity-agent", "Hubnity") on Windows:
    assert defines["DataSubDir"] == "Hubnity\\hubnity-agent"
    agent_config = (ROOT / "agent" / "config.py").read_text()
    assert 'APP_NAME = "hubnity-agent"' in agent_config
    assert 'user_data_dir(APP_NAME, "Hubnity")' in agent_config
    code = "\n".join(iss_sections(ISS)["Code"])
    assert "DelTree(AgentDataDir()" in code
    # Deletion only behind the user's Yes (default No) or /PURGE.
    assert "MB_DEFBUTTON2" in code and "= IDYES" in code and "'/PURGE'" in code
    assert re.search(r"if Purge then\s+DelTree", code)
    assert "{localappdata}\\{#DataSubDir}" in code
    stop = iss_entries(iss_sections(ISS)["UninstallRun"])[0]
    assert "taskkill" in stop["Filename"] and "{#AppExeName}" in stop["Parameters"]


def test_windows_build_script_references():
    script = (WINDOWS / "build.ps1").read_text()
    assert "installers\\build_agent.py" in script and "hubnity-agent.iss" in script


# --- macOS -------------------------------------------------------------------------------


def test_launch_agent_plist():
    path = MACOS / "com.hubnity.agent.plist"
    with path.open("rb") as fh:
        plist = plistlib.load(fh)
    assert plist["Label"] == path.stem == "com.hubnity.agent"
    spec = (INSTALLERS / "hubnity-agent.spec").read_text()
    match = re.search(r'name="([^"]+\.app)"', spec)
    assert match, "the spec names no .app bundle"
    app = match.group(1)
    assert plist["ProgramArguments"] == [f"/Applications/{app}/Contents/MacOS/hubnity-agent"]
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False}, "restart on crash, not after Quit"
    assert plist["LimitLoadToSessionType"] == "Aqua"


def test_entitlements_plist():
    with (MACOS / "entitlements.plist").open("rb") as fh:
        entitlements = plistlib.load(fh)
    assert entitlements, "empty entitlements"
    assert all(k.startswith("com.apple.security.") for k in entitlements)
    assert all(v is True for v in entitlements.values())


def test_macos_scripts_and_notes():
    build = (MACOS / "build_app.sh").read_text()
    for ref in ("installers/build_agent.py", "installers/macos/entitlements.plist"):
        assert ref in build and (ROOT / ref).exists(), ref
    for tool in ("codesign", "--options runtime", "notarytool submit", "stapler staple"):
        assert tool in build
    installer = (MACOS / "install-launchagent.sh").read_text()
    assert "com.hubnity.agent" in installer and "launchctl bootstrap" in installer
    for script in ("build_app.sh", "install-launchagent.sh"):
        assert (MACOS / script).stat().st_mode & stat.S_IXUSR
        subprocess.run(["bash", "-n", str(MACOS / script)], check=True)
    notes = (MACOS / "README.md").read_text()
    for topic in ("Screen Recording", "Accessibility", "Input Monitoring", "notariz"):
        assert topic in notes, topic


def test_build_agent_script_cli():
    result = subprocess.run([sys.executable, str(INSTALLERS / "build_agent.py"), "--help"],
                            capture_output=True, text=True, check=True)
    assert "--dist" in result.stdout and "--no-smoke" in result.stdout
