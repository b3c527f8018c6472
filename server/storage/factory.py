"""Chooses the storage backend from settings: S3 when S3_BUCKET is set, else local."""

from __future__ import annotations

from server.runtime.config import StorageSettings
from server.storage.base import Storage


def build_storage(settings: StorageSettings) -> Storage:
    if settings.uses_s3:
        from server.storage.s3 import S3Storage

        return S3Storage(settings)
    from server.storage.local import LocalStorage

    return LocalStorage(settings.local_dir)
