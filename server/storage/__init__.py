"""Object storage: local directory (embedded) or S3-compatible (boto3)."""

from server.storage.base import ObjectWriter, PresignedUpload, Storage, StorageError
from server.storage.factory import build_storage

__all__ = ["ObjectWriter", "PresignedUpload", "Storage", "StorageError", "build_storage"]
