"""Where the agent keeps its files, and its local settings.

`HUBNITY_AGENT_DATA_DIR` overrides the platform data dir (tests, portable
installs), so a developer's tests never touch a real install.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from shared.schemas import ActiveProject, TrackingPolicy

APP_NAME = "hubnity-agent"


def data_dir(override: str | Path | None = None) -> Path:
    if override:
        path = Path(override)
    elif os.environ.get("HUBNITY_AGENT_DATA_DIR"):
        path = Path(os.environ["HUBNITY_AGENT_DATA_DIR"])
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, "Hubnity"))
    if not path.exists():
        # Screenshots and activity live here: private to the user.
        path.mkdir(parents=True, mode=0o700)
    return path


@dataclass
class Settings:
    server_url: str = ""
    email: str = ""
    device_id: str = ""
    # What happens to idle time when nobody is there to answer (headless).
    idle_default: str = "keep"
    screenshot_quota_mb: int = 200
    heartbeat_seconds: float = 10.0
    sync_interval_seconds: float = 60.0
    sync_spread_seconds: float = 30.0
    keep_history_days: int = 14
    last_project_id: str | None = None
    last_task_id: str | None = None

    @classmethod
    def load(cls, directory: Path) -> Settings:
        try:
            raw = json.loads((directory / "settings.json").read_text())
        except (OSError, ValueError):
            raw = {}
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in raw.items() if k in known})
        if not settings.device_id:
            settings.device_id = str(uuid.uuid4())
            settings.save(directory)
        return settings

    def save(self, directory: Path) -> None:
        tmp = directory / "settings.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(directory / "settings.json")


def load_policy(directory: Path) -> TrackingPolicy:
    """The last policy the server sent (so an offline start obeys it too)."""
    try:
        return msgspec.json.decode((directory / "policy.json").read_bytes(), type=TrackingPolicy)
    except (OSError, msgspec.MsgspecError):
        return TrackingPolicy()


def save_policy(directory: Path, policy: TrackingPolicy) -> None:
    tmp = directory / "policy.json.tmp"
    tmp.write_bytes(msgspec.json.encode(policy))
    tmp.replace(directory / "policy.json")


def load_projects(directory: Path) -> list[ActiveProject]:
    try:
        return msgspec.json.decode(
            (directory / "projects.json").read_bytes(), type=list[ActiveProject]
        )
    except (OSError, msgspec.MsgspecError):
        return []


def save_projects(directory: Path, projects: list[ActiveProject]) -> None:
    tmp = directory / "projects.json.tmp"
    tmp.write_bytes(msgspec.json.encode(projects))
    tmp.replace(directory / "projects.json")


def local_timezone(fallback: str = "UTC") -> str:
    """The IANA name of the system time zone (entries carry it for day reports)."""
    candidates: list[str] = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].lstrip(":"))
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            continue
        if name in available_timezones() or name == "UTC":
            return name
    return fallback
