"""The agent's tokens: the OS keyring (service `hubnity-agent`, one entry per
server URL), or a 0600 file when no keyring backend exists (headless Linux
servers and CI have none). The stores are shared with the command line
(shared/token_store.py)."""

from __future__ import annotations

import os
from pathlib import Path

from shared.token_store import (
    FallbackStore,
    FileStore,
    Tokens,
    TokenStore,
    keyring_usable,
    open_token_store,
)
from shared.token_store import KeyringStore as _KeyringStore

SERVICE = "hubnity-agent"
CredentialStore = TokenStore

__all__ = [
    "SERVICE",
    "CredentialStore",
    "FallbackStore",
    "FileStore",
    "KeyringStore",
    "Tokens",
    "keyring_usable",
    "open_store",
]


class KeyringStore(_KeyringStore):
    def __init__(self) -> None:
        super().__init__(SERVICE)


def open_store(data_dir: Path) -> CredentialStore:
    """`HUBNITY_AGENT_CREDENTIALS=file` forces the file (tests, kiosks)."""
    force = os.environ.get("HUBNITY_AGENT_CREDENTIALS", "").lower() == "file"
    return open_token_store(SERVICE, data_dir / "credentials.json", force)
