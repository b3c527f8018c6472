"""Smoke test against a real `hubnity-server` process, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest

from tests.support.api import PASSWORD, unique_email
from tests.support.process import run_server
from tests.support.services import create_pg_database, drop_pg_database
from tests.support.signup import sign_up
from tests.support.sync import BASE, activity, batch, entry, minutes_of


@pytest.fixture(params=["sqlite", "postgres"])
def server(request, tmp_path):
    env = {"JWT_SECRET": "e2e-secret-e2e-secret-e2e-secret-0123456789"}
    name = None
    if request.param == "postgres":
        from server.db.migrate import upgrade

        name, url = create_pg_database("hubnity_e2e")
        upgrade(url)  # production flow: migrations are a separate step
        env["DATABASE_URL"] = url
    try:
        with run_server(tmp_path / "data", env) as srv:
            yield srv
    finally:
        if name:
            drop_pg_database(name)


def test_real_process_serves_the_api(server):
    base = server.url
    assert httpx.get(f"{base}/ready").json()["checks"]["database"] == "ok"
    email = unique_email()
    pair = sign_up(base, server.data_dir, email, PASSWORD, name="Eve", organization="E2E")
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    entries = [entry(BASE + timedelta(hours=i), 30) for i in range(20)]
    acts = [activity(entries[0]["idempotencyKey"], m) for m in minutes_of(BASE, 30)]
    payload = batch(entries, acts)
    results: list[dict] = []

    def send() -> None:
        with httpx.Client(timeout=30) as c:
            results.append(
                c.post(f"{base}/api/v1/sync/batch", json=payload, headers=headers).json()
            )

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["processed"] for r in results) == 20
    assert sum(r["skipped"] for r in results) == 40
    assert sum(r["activity"]["processed"] for r in results) == 30
    r = httpx.get(f"{base}/api/v1/sync/batch")
    assert r.status_code == 405
    r = httpx.post(
        f"{base}/api/v1/sync/batch",
        content=b"\x00garbage",
        headers={**headers, "content-type": "application/json"},
    )
    assert r.status_code == 400 and "detail" in r.json()
    metrics = httpx.get(f"{base}/metrics").text
    assert 'hubnity_sync_items_total{kind="entry",outcome="processed"} 20.0' in metrics
    assert "hubnity_http_request_duration_seconds_bucket" in metrics
    schema = httpx.get(f"{base}/schema/openapi.json").json()
    assert "/api/v1/sync/batch" in schema["paths"]
    # Structured logs carry a request id and never the password or tokens.
    r = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Request-ID": "trace-me-123"},
    )
    assert r.headers["x-request-id"] == "trace-me-123"
    deadline = time.monotonic() + 10  # the access line is written after the response
    while '"request_id": "trace-me-123"' not in (log := server.log()):
        assert time.monotonic() < deadline, log[-2000:]
        time.sleep(0.1)
    assert PASSWORD not in log and r.json()["refreshToken"] not in log
    assert str(uuid.UUID(int=0)) not in log


def test_a_data_dir_that_does_not_exist_yet_is_created(tmp_path):
    import os

    from tests.support.process import free_port, serve, server_command

    data_dir = tmp_path / "not" / "there" / "yet"
    port = free_port()
    env = {**os.environ, "HUBNITY_DATA_DIR": str(data_dir),
           "JWT_SECRET": "e2e-secret-e2e-secret-e2e-secret-0123456789"}
    env.pop("DATABASE_URL", None)
    with serve([*server_command(), "--port", str(port)], env, port,
               tmp_path / "server.log") as srv:
        sign_up(srv.url, data_dir, unique_email(), PASSWORD, name="N", organization="Fresh")
    assert (data_dir / "hubnity.db").is_file()
