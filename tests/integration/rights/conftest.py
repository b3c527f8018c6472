"""Fixtures of the data-rights suites: moto's S3 server and fresh buckets."""

from __future__ import annotations

from tests.integration.screenshots.conftest import bucket, moto

__all__ = ["bucket", "moto"]
