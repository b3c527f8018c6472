"""Tokens per profile: the OS keyring (service `hubnity-cli`), or, where no
keyring backend exists (headless servers, CI) or it fails at run time, a JSON
file readable by its owner only (0600), `credentials.json` beside the profile
file and never the profile file itself. `HUBNITY_CREDENTIALS=file` forces the
file; keyring's own `PYTHON_KEYRING_BACKEND` picks a backend."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from shared.token_store import FileStore, Tokens, TokenStore, open_token_store

SERVICE = "hubnity-cli"

__all__ = ["SERVICE", "FileStore", "Store", "Tokens", "open_store", "refresh_lock"]


Store = TokenStore


def open_store(directory: Path) -> Store:
    force = os.environ.get("HUBNITY_CREDENTIALS", "").lower() == "file"
    return open_token_store(SERVICE, directory / "credentials.json", force)


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
