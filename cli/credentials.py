"""Tokens per profile: the OS keyring (service `hubnity-cli`), or, where no
keyring backend exists (headless servers, CI) or it fails at run time, a JSON
file readable by its owner only (0600), `credentials.json` beside the profile
file and never the profile file itself. `HUBNITY_CREDENTIALS=file` forces the
file; keyring's own `PYTHON_KEYRING_BACKEND` picks a backend."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SERVICE = "hubnity-cli"


@dataclass(frozen=True, slots=True)
class Tokens:
    access: str
    refresh: str


def _encode(tokens: Tokens) -> str:
    return json.dumps({"access": tokens.access, "refresh": tokens.refresh})


def _decode(text: str | None) -> Tokens | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return Tokens(str(data["access"]), str(data["refresh"]))
    except (ValueError, KeyError, TypeError):
        return None


class Store(Protocol):
    name: str

    def load(self, profile: str) -> Tokens | None: ...
    def save(self, profile: str, tokens: Tokens) -> None: ...
    def clear(self, profile: str) -> None: ...


class FileStore:
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _all(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.chmod(tmp, 0o600)  # an existing tmp file keeps its mode otherwise
        tmp.replace(self.path)

    def load(self, profile: str) -> Tokens | None:
        return _decode(self._all().get(profile))

    def save(self, profile: str, tokens: Tokens) -> None:
        data = self._all()
        data[profile] = _encode(tokens)
        self._write(data)

    def clear(self, profile: str) -> None:
        data = self._all()
        if data.pop(profile, None) is not None:
            self._write(data)


class KeyringStore:
    name = "keyring"

    def __init__(self) -> None:
        import keyring

        self._kr = keyring

    def load(self, profile: str) -> Tokens | None:
        return _decode(self._kr.get_password(SERVICE, profile))

    def save(self, profile: str, tokens: Tokens) -> None:
        self._kr.set_password(SERVICE, profile, _encode(tokens))

    def clear(self, profile: str) -> None:
        with contextlib.suppress(Exception):  # nothing stored is fine
            self._kr.delete_password(SERVICE, profile)


class FallbackStore:
    """Keyring first; a backend failing at run time (no Secret Service on the
    bus, a locked keychain) falls back to the file instead of an error."""

    def __init__(self, primary: Store, fallback: FileStore) -> None:
        self._primary = primary
        self._fallback = fallback
        self.name = primary.name

    def load(self, profile: str) -> Tokens | None:
        try:
            found = self._primary.load(profile)
        except Exception:
            found = None
        return found or self._fallback.load(profile)

    def save(self, profile: str, tokens: Tokens) -> None:
        try:
            self._primary.save(profile, tokens)
        except Exception:
            self.name = self._fallback.name
            self._fallback.save(profile, tokens)
            return
        self._fallback.clear(profile)  # never leave an older copy on disk

    def clear(self, profile: str) -> None:
        try:
            self._primary.clear(profile)
        finally:
            self._fallback.clear(profile)


def keyring_usable() -> bool:
    """False when keyring would only raise (no backend) or has none worth using."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return False
    return bool(getattr(backend, "priority", 1) > 0)


def open_store(directory: Path) -> Store:
    file_store = FileStore(directory / "credentials.json")
    if os.environ.get("HUBNITY_CREDENTIALS", "").lower() != "file" and keyring_usable():
        return FallbackStore(KeyringStore(), file_store)
    return file_store


@contextlib.contextmanager
def refresh_lock(directory: Path) -> Iterator[None]:
    """One refresh at a time across processes: a refresh token is single-use
    and presenting a spent one revokes the whole session, so two commands of
    one script must not both refresh with the same token."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; refresh unguarded
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".refresh.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
