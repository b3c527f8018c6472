"""Where a client (the desktop agent, the `hubnity` command line) keeps its
tokens: the OS keyring, or — where no keyring backend exists (headless
Linux, CI) or it fails at run time — a JSON file readable by its owner only
(0600, written atomically). Each client names its keyring service and its
file; the stores are the same."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str


class TokenStore(Protocol):
    name: str

    def load(self, key: str) -> Tokens | None: ...
    def save(self, key: str, tokens: Tokens) -> None: ...
    def clear(self, key: str) -> None: ...


def _encode(tokens: Tokens) -> str:
    return json.dumps({"access": tokens.access_token, "refresh": tokens.refresh_token})


def _decode(text: str | None) -> Tokens | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return Tokens(str(data["access"]), str(data["refresh"]))
    except (ValueError, KeyError, TypeError):
        return None


class FileStore:
    """JSON file readable by the owner only; written atomically."""

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

    def load(self, key: str) -> Tokens | None:
        return _decode(self._all().get(key))

    def save(self, key: str, tokens: Tokens) -> None:
        data = self._all()
        data[key] = _encode(tokens)
        self._write(data)

    def clear(self, key: str) -> None:
        data = self._all()
        if data.pop(key, None) is not None:
            self._write(data)


class KeyringStore:
    name = "keyring"

    def __init__(self, service: str) -> None:
        import keyring

        self._kr = keyring
        self.service = service

    def load(self, key: str) -> Tokens | None:
        return _decode(self._kr.get_password(self.service, key))

    def save(self, key: str, tokens: Tokens) -> None:
        self._kr.set_password(self.service, key, _encode(tokens))

    def clear(self, key: str) -> None:
        # Nothing stored is fine; backends raise their own exception types.
        with contextlib.suppress(Exception):
            self._kr.delete_password(self.service, key)


class FallbackStore:
    """Keyring first; a backend that fails at run time (no Secret Service on
    the session bus, locked keychain) falls back to the file, never to an error."""

    def __init__(self, primary: TokenStore, fallback: FileStore) -> None:
        self._primary = primary
        self._fallback = fallback
        self.name = primary.name

    def load(self, key: str) -> Tokens | None:
        try:
            found = self._primary.load(key)
        except Exception:
            found = None
        return found or self._fallback.load(key)

    def save(self, key: str, tokens: Tokens) -> None:
        try:
            self._primary.save(key, tokens)
        except Exception:
            self.name = self._fallback.name
            self._fallback.save(key, tokens)
            return
        self._fallback.clear(key)  # never leave an older copy on disk

    def clear(self, key: str) -> None:
        try:
            self._primary.clear(key)
        finally:
            self._fallback.clear(key)


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


def open_token_store(service: str, file: Path, force_file: bool) -> TokenStore:
    """The keyring (with `file` as its fallback) unless `force_file` or no usable backend."""
    file_store = FileStore(file)
    if not force_file and keyring_usable():
        return FallbackStore(KeyringStore(service), file_store)
    return file_store
