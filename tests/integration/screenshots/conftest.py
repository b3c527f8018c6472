"""Fixtures of the screenshot suites: a moto S3 server (real HTTP) and fresh buckets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.s3 import MotoServer, run_moto


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with run_moto() as server:
        yield server


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    name = f"hubnity-{uuid.uuid4().hex[:12]}"
    moto.client().create_bucket(Bucket=name)
    return name
