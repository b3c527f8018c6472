"""Chaos tests: real server processes whose database, Redis or S3 endpoint
fails under them. Each ends with the same check: every acknowledged item is
stored exactly once, nothing is half-written, and every client got a clear
error or a retry — never a 500."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow]
