"""JSON bodies are read as strictly as the OpenAPI document states them
(server/http/strict_body.py): a boolean is `true`/`false`, never `0` or
`"true"`; an integer is a number, never `"12"`."""

from __future__ import annotations

import pytest

from tests.support.api import register


@pytest.mark.parametrize(
    "body",
    [
        {"notifyOnScreenshot": 0},
        {"notifyOnScreenshot": "true"},
        {"screenshotIntervalSeconds": "600"},
        {"screenshotsEnabled": 1},
    ],
)
async def test_a_value_of_another_json_type_is_refused_with_its_field(client, body):
    owner = await register(client)
    r = await owner.patch("/api/v1/agent/config", json=body)
    assert r.status_code == 400, r.text
    assert next(iter(body)) in r.json()["detail"]
    assert (await owner.get("/api/v1/agent/config")).json()["notifyOnScreenshot"] is False


async def test_values_of_the_documented_type_are_taken(client):
    owner = await register(client)
    r = await owner.patch(
        "/api/v1/agent/config", json={"notifyOnScreenshot": True, "screenshotIntervalSeconds": 900}
    )
    assert r.status_code == 200, r.text
    assert r.json()["notifyOnScreenshot"] is True
    assert r.json()["screenshotIntervalSeconds"] == 900


async def test_malformed_json_is_still_a_400(client):
    owner = await register(client)
    r = await owner.client.post(
        "/api/v1/projects",
        content=b'{"name": ',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text


async def test_an_integral_float_is_an_integer_as_in_json_schema(client):
    owner = await register(client)
    r = await owner.patch("/api/v1/agent/config", json={"idleTimeoutSeconds": 600.0})
    assert r.status_code == 200, r.text
    assert r.json()["idleTimeoutSeconds"] == 600
    r = await owner.patch("/api/v1/agent/config", json={"idleTimeoutSeconds": 600.5})
    assert r.status_code == 400, r.text
