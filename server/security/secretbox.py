"""Encryption at rest for third-party credentials (AES-256-GCM, `cryptography`).

A secret is stored as `(key id, base64(nonce || ciphertext+tag))`, with the
owning row's id as associated data, so a ciphertext copied onto another row
does not decrypt. The key id is the first 8 bytes of SHA-256 of the key (it
names a key without revealing it), so several keys can be live at once while
`hubnity-server rotate-secret-key` re-encrypts everything with the current one.

Where keys come from:
- `HUBNITY_SECRET_KEY` (any string; 32 bytes of URL-safe base64 are used as
  they are, anything else is stretched with HKDF-SHA256), plus
  `HUBNITY_SECRET_KEY_PREVIOUS` (comma-separated) while rotating away from old
  ones;
- otherwise `<data dir>/secret_keys` (mode 0600), generated on first use: one
  key per line, the first one current. Keys in that file still decrypt after
  an operator moves to `HUBNITY_SECRET_KEY`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILE = "secret_keys"
_NONCE = 12


class SecretError(Exception):
    """A stored secret cannot be read: its key is missing or the data was altered."""


@dataclass(frozen=True)
class SecretKey:
    key_id: str
    material: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> SecretKey:
        raw = text.strip()
        material: bytes | None = None
        try:
            decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            material = decoded if len(decoded) == 32 else None
        except (binascii.Error, ValueError):
            material = None
        if material is None:
            material = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=b"hubnity secret key"
            ).derive(raw.encode())
        return cls(hashlib.sha256(material).hexdigest()[:16], material)

    @classmethod
    def generate(cls) -> tuple[SecretKey, str]:
        text = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        return cls.from_text(text), text


@dataclass(frozen=True)
class Keyring:
    current: SecretKey
    others: tuple[SecretKey, ...] = ()

    def key(self, key_id: str) -> SecretKey:
        for key in (self.current, *self.others):
            if key.key_id == key_id:
                return key
        raise SecretError(
            f"the key {key_id} that encrypted this secret is not configured "
            "(HUBNITY_SECRET_KEY / HUBNITY_SECRET_KEY_PREVIOUS / <data dir>/secret_keys)"
        )

    def encrypt(self, plaintext: bytes, aad: bytes) -> tuple[str, str]:
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.current.material).encrypt(nonce, plaintext, aad)
        return self.current.key_id, base64.b64encode(nonce + sealed).decode()

    def decrypt(self, key_id: str, token: str, aad: bytes) -> bytes:
        key = self.key(key_id)
        try:
            blob = base64.b64decode(token)
            return AESGCM(key.material).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
        except (InvalidTag, binascii.Error, ValueError):
            raise SecretError("a stored secret failed its integrity check") from None


def _read_file_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _write_file_keys(path: Path, keys: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{k}\n" for k in keys))
    os.replace(tmp, path)


def _create_key_file(path: Path) -> list[str]:
    """First use: a new key, created exclusively (two processes starting at once
    end up with the same key: the loser reads the winner's file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _, text = SecretKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_file_keys(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{text}\n")
    return [text]


def load_keyring(
    data_dir: Path, secret_key: str | None = None, previous: tuple[str, ...] = ()
) -> Keyring:
    """The configured keys; generates the key file on first use without an env key."""
    path = data_dir / KEY_FILE
    file_keys = _read_file_keys(path)
    if secret_key:
        current = SecretKey.from_text(secret_key)
        extra = [*previous, *file_keys]
    else:
        if not file_keys:
            file_keys = _create_key_file(path)
        current = SecretKey.from_text(file_keys[0])
        extra = [*previous, *file_keys[1:]]
    others = tuple(k for k in (SecretKey.from_text(t) for t in extra) if k.key_id != current.key_id)
    return Keyring(current, others)


def add_file_key(data_dir: Path) -> SecretKey:
    """Puts a fresh key first in the key file (the old ones still decrypt)."""
    path = data_dir / KEY_FILE
    key, text = SecretKey.generate()
    _write_file_keys(path, [text, *_read_file_keys(path)])
    return key


def prune_file_keys(data_dir: Path, keep: set[str]) -> int:
    """Drops from the key file every key but the current one and those in `keep`."""
    path = data_dir / KEY_FILE
    texts = _read_file_keys(path)
    kept = [t for i, t in enumerate(texts) if i == 0 or SecretKey.from_text(t).key_id in keep]
    if len(kept) != len(texts):
        _write_file_keys(path, kept)
    return len(texts) - len(kept)


def mask(secret: str) -> str:
    """What the API shows of a credential: its last 4 characters at most."""
    tail = secret[-4:] if len(secret) >= 12 else ""
    return f"••••{tail}"
