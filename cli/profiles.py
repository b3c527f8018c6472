"""Profiles like the AWS CLI: `config.toml` in the user config directory
(platformdirs; `HUBNITY_CONFIG_DIR` overrides it) holds, per profile, the
server URL, the email, what the server said about the account, and defaults.
Never a token: those live in the keyring or the credentials file."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from platformdirs import user_config_dir

from cli.errors import AuthError, CliError, UsageError

DEFAULT = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def config_dir() -> Path:
    override = os.environ.get("HUBNITY_CONFIG_DIR")
    return Path(override) if override else Path(user_config_dir("hubnity", appauthor=False))


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not a profile name (letters, digits, '.', '_', '-'; up to 64)"
        )
    return name


@dataclass
class Profile:
    name: str
    server: str
    email: str
    organization: str = ""
    user_id: str = ""
    role: str = ""
    defaults: dict[str, str] = field(default_factory=dict)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"server": self.server, "email": self.email}
        for key in ("organization", "user_id", "role"):
            if value := getattr(self, key):
                data[key] = value
        if self.defaults:
            data["defaults"] = dict(self.defaults)
        return data

    @classmethod
    def from_toml(cls, name: str, data: dict[str, Any]) -> Profile:
        return cls(
            name=name,
            server=str(data.get("server", "")),
            email=str(data.get("email", "")),
            organization=str(data.get("organization", "")),
            user_id=str(data.get("user_id", "")),
            role=str(data.get("role", "")),
            defaults={str(k): str(v) for k, v in dict(data.get("defaults", {})).items()},
        )


class ProfileFile:
    """The TOML file; every change is written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "config.toml"
        self.current: str | None = None
        self.profiles: dict[str, Profile] = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CliError(f"cannot read {self.path}: {exc}") from None
        current = raw.get("current")
        self.current = str(current) if current else None
        for name, data in dict(raw.get("profiles", {})).items():
            if isinstance(data, dict):
                self.profiles[str(name)] = Profile.from_toml(str(name), data)

    def save(self) -> None:
        data: dict[str, Any] = {}
        if self.current:
            data["current"] = self.current
        data["profiles"] = {name: p.to_toml() for name, p in sorted(self.profiles.items())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        tmp.replace(self.path)

    def resolve_name(self, requested: str | None) -> str:
        """--profile, else HUBNITY_PROFILE, else the file's current one, else `default`."""
        name = requested or os.environ.get("HUBNITY_PROFILE") or self.current or DEFAULT
        return check_name(name)

    def get(self, name: str) -> Profile:
        profile = self.profiles.get(name)
        if profile is None:
            known = ", ".join(sorted(self.profiles)) or "none yet"
            raise AuthError(
                f"no profile {name!r} (profiles: {known}); "
                f"run hubnity login --profile {name} --server URL --email EMAIL"
            )
        return profile
