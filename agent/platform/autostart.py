"""Start at login, per user, where the installers set it up:

- Linux: the .deb installs `/etc/xdg/autostart/hubnity-agent.desktop`; a user
  turns it off with a same-named file in `~/.config/autostart` carrying
  `Hidden=true` (XDG Autostart spec), and on again by removing that file (or,
  without the system entry, by writing an enabled one).
- Windows: the `Hubnity Agent` value under `HKCU\\...\\CurrentVersion\\Run`
  (the Inno Setup installer writes the same one).
- macOS: the LaunchAgent `~/Library/LaunchAgents/com.hubnity.agent.plist`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

DESKTOP_NAME = "hubnity-agent.desktop"
SYSTEM_XDG = Path("/etc/xdg/autostart")
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Hubnity Agent"
LAUNCH_LABEL = "com.hubnity.agent"


def _command() -> str:
    if getattr(sys, "frozen", False):  # the installers' bundle
        return sys.executable
    return shutil.which("hubnity-agent") or "hubnity-agent"


class LinuxAutostart:
    def __init__(self, config_home: Path | None = None, system_dir: Path = SYSTEM_XDG) -> None:
        home = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.user_file = home / "autostart" / DESKTOP_NAME
        self.system_file = system_dir / DESKTOP_NAME

    def _hidden(self, path: Path) -> bool:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            return True
        flags = {
            line.split("=", 1)[0].strip(): line.split("=", 1)[1].strip()
            for line in lines
            if "=" in line
        }
        return (
            flags.get("Hidden", "false").lower() == "true"
            or flags.get("X-GNOME-Autostart-enabled", "true").lower() == "false"
        )

    def enabled(self) -> bool:
        if self.user_file.exists():
            return not self._hidden(self.user_file)
        return self.system_file.exists() and not self._hidden(self.system_file)

    def set(self, on: bool) -> None:
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        if on and self.system_file.exists() and not self._hidden(self.system_file):
            self.user_file.unlink(missing_ok=True)  # the installer's entry applies again
            return
        body = [
            "[Desktop Entry]",
            "Type=Application",
            "Name=Hubnity Agent",
            "Comment=Start the Hubnity time tracker in the tray at login",
            f"Exec={_command()}",
            "Icon=hubnity-agent",
            "Terminal=false",
            "NoDisplay=true",
            f"Hidden={'false' if on else 'true'}",
            f"X-GNOME-Autostart-enabled={'true' if on else 'false'}",
        ]
        self.user_file.write_text("\n".join(body) + "\n")


class WindowsAutostart:  # pragma: no cover - needs Windows
    def enabled(self) -> bool:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:  # type: ignore[attr-defined]
                winreg.QueryValueEx(key, RUN_VALUE)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def set(self, on: bool) -> None:
        import winreg

        access = winreg.KEY_SET_VALUE  # type: ignore[attr-defined]
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, access) as key:  # type: ignore[attr-defined]
            if on:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, f'"{_command()}"')  # type: ignore[attr-defined]
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)  # type: ignore[attr-defined]


class MacAutostart:
    def __init__(self, home: Path | None = None) -> None:
        self.plist = (home or Path.home()) / "Library/LaunchAgents" / f"{LAUNCH_LABEL}.plist"

    def enabled(self) -> bool:
        return self.plist.exists()

    def set(self, on: bool) -> None:
        if not on:
            self.plist.unlink(missing_ok=True)
            return
        import plistlib

        self.plist.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "Label": LAUNCH_LABEL,
            "ProgramArguments": [_command()],
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }
        self.plist.write_bytes(plistlib.dumps(body))


def for_this_os() -> LinuxAutostart | WindowsAutostart | MacAutostart:
    if sys.platform == "win32":
        return WindowsAutostart()
    if sys.platform == "darwin":
        return MacAutostart()
    return LinuxAutostart()
