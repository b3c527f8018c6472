"""Helpers for the integration tests: connect, run and wait."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.api import Account


async def connect(
    owner: Account,
    provider: str,
    url: str,
    credentials: dict[str, str],
    settings: dict[str, Any] | None = None,
    name: str | None = None,
) -> Any:
    r = await owner.post(
        "/api/v1/integrations",
        json={
            "provider": provider,
            "name": name or f"{provider} {url}",
            "baseUrl": url,
            "credentials": credentials,
            "settings": settings or {},
        },
    )
    return r


async def wait_run(owner: Account, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await owner.get(f"/api/v1/integration-runs/{run_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] in ("done", "failed"):
            return body
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.1)


async def run(owner: Account, integration_id: str, **body: Any) -> dict[str, Any]:
    r = await owner.post(f"/api/v1/integrations/{integration_id}/runs", json=body)
    assert r.status_code == 202, r.text
    return await wait_run(owner, r.json()["id"])


async def upload(owner: Account, content: bytes, fmt: str, **fields: str) -> Any:
    return await owner.post(
        "/api/v1/imports/csv",
        files={"file": ("export.csv", content, "text/csv")},
        data={"format": fmt, **fields},
    )
