"""Credentials of an integration or of a person's own connection: encrypted at
rest, shown only masked.

The JSON object of credentials is sealed with the current key of the keyring
(AES-GCM, the row's id as associated data); the key id is stored beside it.
`credential_hints` keeps the masked form (`••••abcd`) so that reading a row
never decrypts. Nothing here logs a value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.base import utcnow
from server.db.models import Integration, IntegrationConnection
from server.security.secretbox import Keyring, load_keyring, mask

if TYPE_CHECKING:
    from server.runtime.config import Settings


def keyring_for(settings: Settings) -> Keyring:
    """The configured keys, read afresh (a small file at most): a key rotated by
    `hubnity-server rotate-secret-key` is seen by running processes at once."""
    return load_keyring(
        Path(settings.data_dir),
        settings.security.secret_key,
        settings.security.previous_secret_keys,
    )


class Sealed(Protocol):
    id: Any
    secret_key_id: Any
    secret_box: Any
    credential_hints: Any


def sealed_values(row_id: Any, credentials: dict[str, str], keyring: Keyring) -> dict[str, Any]:
    """The columns of a sealed secret (for an UPDATE written by compare-and-set)."""
    key_id, box = keyring.encrypt(json.dumps(credentials, sort_keys=True).encode(), row_id.bytes)
    hints = {k: mask(v) for k, v in credentials.items()}
    return {"secret_key_id": key_id, "secret_box": box, "credential_hints": hints}


def seal(row: Sealed, credentials: dict[str, str], keyring: Keyring) -> None:
    for name, value in sealed_values(row.id, credentials, keyring).items():
        setattr(row, name, value)


def unseal(row: Sealed, keyring: Keyring) -> dict[str, str]:
    if not row.secret_box or not row.secret_key_id:
        return {}
    raw = keyring.decrypt(row.secret_key_id, row.secret_box, row.id.bytes)
    value: dict[str, str] = json.loads(raw)
    return value


async def reencrypt_all(session: AsyncSession, keyring: Keyring) -> tuple[int, set[str]]:
    """Re-seals every secret (integrations' and people's connections') not under
    the current key; returns (count, key ids still in use afterwards). One
    transaction: all or nothing. A connection being refreshed right now is left
    as it is (its key stays in use and in the key file): the refresh writes the
    rotated pair under the key it holds, and the next rotation re-seals it."""
    now = utcnow()
    changed = 0
    in_use: set[str] = set()
    models: tuple[Any, ...] = (Integration, IntegrationConnection)
    for model in models:
        rows = (
            await session.execute(
                select(model).where(model.secret_box.is_not(None)).with_for_update()
            )
        ).scalars()
        for row in rows:
            if row.secret_key_id == keyring.current.key_id:
                continue
            lease = getattr(row, "refresh_lease_until", None)
            if lease is not None and lease > now:
                continue
            seal(row, unseal(row, keyring), keyring)
            changed += 1
        await session.flush()
        found = await session.execute(
            select(model.secret_key_id).where(model.secret_key_id.is_not(None)).distinct()
        )
        in_use |= {str(k) for k in found.scalars() if k}
    return changed, in_use
