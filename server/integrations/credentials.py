"""Credentials of an integration: encrypted at rest, shown only masked.

The JSON object of credentials is sealed with the current key of the keyring
(AES-GCM, the integration's id as associated data); the key id is stored
beside it. `credential_hints` keeps the masked form (`••••abcd`) so that
reading an integration never decrypts. Nothing here logs a value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Integration
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


def seal(integration: Integration, credentials: dict[str, str], keyring: Keyring) -> None:
    key_id, box = keyring.encrypt(
        json.dumps(credentials, sort_keys=True).encode(), integration.id.bytes
    )
    integration.secret_key_id = key_id
    integration.secret_box = box
    integration.credential_hints = {k: mask(v) for k, v in credentials.items()}


def unseal(integration: Integration, keyring: Keyring) -> dict[str, str]:
    if not integration.secret_box or not integration.secret_key_id:
        return {}
    raw = keyring.decrypt(integration.secret_key_id, integration.secret_box, integration.id.bytes)
    value: dict[str, str] = json.loads(raw)
    return value


async def reencrypt_all(session: AsyncSession, keyring: Keyring) -> tuple[int, set[str]]:
    """Re-seals every secret not under the current key; returns (count, key ids
    still in use afterwards). One transaction: all or nothing."""
    rows = (
        await session.execute(select(Integration).where(Integration.secret_box.is_not(None)))
    ).scalars()
    changed = 0
    for integration in rows:
        if integration.secret_key_id == keyring.current.key_id:
            continue
        seal(integration, unseal(integration, keyring), keyring)
        changed += 1
    await session.flush()
    in_use = set(
        (
            await session.execute(
                select(Integration.secret_key_id)
                .where(Integration.secret_key_id.is_not(None))
                .distinct()
            )
        ).scalars()
    )
    return changed, {k for k in in_use if k}
