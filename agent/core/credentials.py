"""Token storage: the OS keyring, or a 0600 file when no keyring backend exists
(headless Linux servers and CI have none)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SERVICE = "hubnity-agent"


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str


class CredentialStore(Protocol):
    name: str

    def load(self, server_url: str) -> Tokens | None: ...
    def save(self, server_url: str, tokens: Tokens) -> None: ...
    def clear(self, server_url: str) -> None: ...


def _encode(tokens: Tokens) -> str:
    return json.dumps({"access": tokens.access_token, "refresh": tokens.refresh_token})


def _decode(text: str | None) -> Tokens | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return Tokens(data["access"], data["refresh"])
    except (ValueError, KeyError, TypeError):
        return None


class FileStore:
    """JSON file readable by the owner only; written atomically."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _all(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.chmod(tmp, 0o600)  # umask may not have applied as asked on every OS
        tmp.replace(self.path)

    def load(self, server_url: str) -> Tokens | None:
        return _decode(self._all().get(server_url))

    def save(self, server_url: str, tokens: Tokens) -> None:
        data = self._all()
        data[server_url] = _encode(tokens)
        self._write(data)

    def clear(self, server_url: str) -> None:
        data = self._all()
        if data.pop(server_url, None) is not None:
            self._write(data)


class KeyringStore:
    name = "keyring"

    def __init__(self) -> None:
        import keyring

        self._kr = keyring

    def load(self, server_url: str) -> Tokens | None:
        return _decode(self._kr.get_password(SERVICE, server_url))

    def save(self, server_url: str, tokens: Tokens) -> None:
        self._kr.set_password(SERVICE, server_url, _encode(tokens))

    def clear(self, server_url: str) -> None:
        # Nothing stored is fine; backends raise their own exception types.
        with contextlib.suppress(Exception):
            self._kr.delete_password(SERVICE, server_url)


class FallbackStore:
    """Keyring first; a backend that fails at run time (no Secret Service on
    the session bus, locked keychain) falls back to the file, never to an error."""

    def __init__(self, primary: CredentialStore, fallback: FileStore) -> None:
        self._primary = primary
        self._fallback = fallback
        self.name = primary.name

    def load(self, server_url: str) -> Tokens | None:
        try:
            found = self._primary.load(server_url)
        except Exception:
            found = None
        return found or self._fallback.load(server_url)

    def save(self, server_url: str, tokens: Tokens) -> None:
        try:
            self._primary.save(server_url, tokens)
        except Exception:
            self.name = self._fallback.name
            self._fallback.save(server_url, tokens)
            return
        self._fallback.clear(server_url)  # never leave an older copy on disk

    def clear(self, server_url: str) -> None:
        try:
            self._primary.clear(server_url)
        finally:
            self._fallback.clear(server_url)


def keyring_usable() -> bool:
    """False when keyring would only raise or write plaintext somewhere we don't control."""
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
    return getattr(backend, "priority", 1) > 0


def open_store(data_dir: Path) -> CredentialStore:
    """`HUBNITY_AGENT_CREDENTIALS=file` forces the file (tests, kiosks)."""
    file_store = FileStore(data_dir / "credentials.json")
    if os.environ.get("HUBNITY_AGENT_CREDENTIALS", "").lower() != "file" and keyring_usable():
        return FallbackStore(KeyringStore(), file_store)
    return file_store
