"""Integration bodies as the OpenAPI document states them: provider names,
settings (names, types, bounds), base URLs."""

from __future__ import annotations

import pytest

from server.core.errors import BadRequest
from server.integrations.config import SETTINGS, clean_base_url
from tests.support.api import register


def test_an_unclosed_ipv6_host_is_a_400_not_a_500():
    # urlsplit raises ValueError on "http://["; the web form reaches this directly.
    with pytest.raises(BadRequest):
        clean_base_url("http://[")


async def test_settings_are_what_the_document_lists(client):
    owner = await register(client)
    doc = (await client.get("/schema/openapi.json")).json()
    body = doc["components"]["schemas"]["IntegrationPatch"]["properties"]["settings"]
    assert set(body["properties"]) == set(SETTINGS) and body["additionalProperties"] is False
    provider = doc["components"]["schemas"]["IntegrationIn"]["properties"]["provider"]
    assert "csv_generic" in provider["enum"]
    r = await owner.post("/api/v1/integrations", json={"provider": "csv_generic", "name": "C"})
    assert r.status_code == 201, r.text
    url = f"/api/v1/integrations/{r.json()['id']}"
    # An integral float is an integer, as in JSON Schema.
    r = await owner.patch(url, json={"settings": {"pageSize": 50.0, "intervalMinutes": 60}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["pageSize"] == 50 and r.json()["intervalMinutes"] == 60
    for settings in ({"pageSize": 0}, {"intervalMinutes": 4}, {"intervalMinutes": 2**40}, {"x": 1}):
        r = await owner.patch(url, json={"settings": settings})
        assert r.status_code == 400, (settings, r.text)
    for bad in ("http://[", "ftp://host", " https://a.b"):
        r = await owner.patch(url, json={"baseUrl": bad})
        assert r.status_code == 400 and "http(s) URL" in r.json()["detail"], (bad, r.text)
    r = await owner.post("/api/v1/integrations", json={"provider": "nope", "name": "N"})
    assert r.status_code == 400 and "csv_generic" in r.json()["detail"], r.text
