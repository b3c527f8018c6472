"""Customers, activities and the billing fields of projects, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import AuditLog
from tests.support.api import invite, register


def _name(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:6]}"


async def test_customer_lifecycle_money_and_currency(client, db):
    owner = await register(client)
    r = await owner.post(
        "/api/v1/customers", json={"name": "Globex", "currency": "USD", "hourlyRate": "85.5"}
    )
    assert r.status_code == 201, r.text
    globex = r.json()
    assert (globex["currency"], globex["hourlyRate"], globex["archived"]) == ("USD", "85.50", False)
    # Bad input is a readable 400, nothing stored.
    for body, needle in [
        ({"name": "x", "currency": "EURO"}, "ISO 4217"),
        ({"name": "x", "currency": "usd"}, "in upper case"),
        ({"name": "x", "hourlyRate": "1.234"}, "at most 2 decimals"),
        ({"name": "x", "hourlyRate": "-1"}, "between 0"),
        ({"name": "x", "hourlyRate": "lots"}, "decimal amount"),
        ({"name": "x", "hourlyRate": "1e9"}, "between 0"),
        ({"name": "x", "hourlyRate": 85}, "hourlyRate"),
        ({"name": "  "}, "name must be"),
    ]:
        r = await owner.post("/api/v1/customers", json=body)
        assert r.status_code == 400 and needle in r.json()["detail"], (body, r.text)
    assert (await owner.post("/api/v1/customers", json={"name": "Globex"})).status_code == 409
    # PATCH changes only what is sent; null clears the rate.
    r = await owner.patch(f"/api/v1/customers/{globex['id']}", json={"hourlyRate": None})
    assert r.status_code == 200 and r.json()["hourlyRate"] is None
    assert r.json()["currency"] == "USD"
    # DELETE archives: hidden from the list unless asked for, still readable.
    assert (await owner.delete(f"/api/v1/customers/{globex['id']}")).status_code == 204
    names = [c["name"] for c in (await owner.get("/api/v1/customers")).json()["items"]]
    assert "Globex" not in names
    listed = (await owner.get("/api/v1/customers?includeArchived=true")).json()["items"]
    assert [c["archived"] for c in listed if c["name"] == "Globex"] == [True]
    assert (await owner.get(f"/api/v1/customers/{globex['id']}")).json()["archived"] is True
    async with db() as s:
        actions = (
            await s.execute(select(AuditLog.action).where(AuditLog.target_id == globex["id"]))
        ).scalars()
        assert sorted(actions) == ["customer.created", "customer.updated", "customer.updated"]


async def test_customer_roles_search_and_isolation(client):
    owner = await register(client)
    member = await invite(owner)
    for name in ("Acme 100% Co", "Acme_Labs", "Initech"):
        assert (await owner.post("/api/v1/customers", json={"name": name})).status_code == 201
    assert (await member.post("/api/v1/customers", json={"name": "Nope"})).status_code == 403
    # Members read; `q` is a case-insensitive substring, `%` and `_` match literally.
    found = (await member.get("/api/v1/customers", params={"q": "acme"})).json()["items"]
    assert [c["name"] for c in found] == ["Acme 100% Co", "Acme_Labs"]
    found = (await member.get("/api/v1/customers", params={"q": "0%"})).json()["items"]
    assert [c["name"] for c in found] == ["Acme 100% Co"]
    found = (await member.get("/api/v1/customers", params={"q": "e_L"})).json()["items"]
    assert [c["name"] for c in found] == ["Acme_Labs"]
    # Another organization's customer is not found, whatever the verb.
    stranger = await register(client)
    theirs = (await stranger.post("/api/v1/customers", json={"name": "Theirs"})).json()
    assert (await owner.get(f"/api/v1/customers/{theirs['id']}")).status_code == 404
    assert (await owner.patch(f"/api/v1/customers/{theirs['id']}", json={})).status_code == 404
    assert (await owner.delete(f"/api/v1/customers/{theirs['id']}")).status_code == 404
    assert (await owner.get("/api/v1/customers/not-a-uuid")).status_code == 404


async def test_activities(client):
    owner = await register(client)
    member = await invite(owner)
    r = await owner.post("/api/v1/activities", json={"name": "Meeting", "billable": False})
    assert r.status_code == 201 and r.json()["billable"] is False
    meeting = r.json()["id"]
    assert (await owner.post("/api/v1/activities", json={"name": "Meeting"})).status_code == 409
    assert (await member.post("/api/v1/activities", json={"name": "Dev"})).status_code == 403
    r = await owner.patch(f"/api/v1/activities/{meeting}", json={"billable": True})
    assert r.json()["billable"] is True and r.json()["name"] == "Meeting"
    assert (await owner.delete(f"/api/v1/activities/{meeting}")).status_code == 204
    assert (await member.get("/api/v1/activities")).json()["items"] == []
    archived = (await member.get("/api/v1/activities?includeArchived=true")).json()["items"]
    assert [a["archived"] for a in archived] == [True]


async def test_project_billing_fields(client):
    owner = await register(client)
    customer = (await owner.post("/api/v1/customers", json={"name": "Initech"})).json()
    body = {
        "name": _name("site"),
        "customerId": customer["id"],
        "billable": False,
        "hourlyRate": "120",
        "budgetSeconds": 36_000,
        "color": "#1F77B4",
    }
    r = await owner.post("/api/v1/projects", json=body)
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["customerId"] == customer["id"] and project["billable"] is False
    assert (project["hourlyRate"], project["budgetSeconds"], project["color"]) == (
        "120.00",
        36_000,
        "#1f77b4",
    )
    # Only what is sent changes; null unlinks the customer.
    r = await owner.patch(f"/api/v1/projects/{project['id']}", json={"customerId": None})
    assert r.json()["customerId"] is None and r.json()["hourlyRate"] == "120.00"
    stranger = await register(client)
    theirs = (await stranger.post("/api/v1/customers", json={"name": "Theirs"})).json()
    r = await owner.patch(f"/api/v1/projects/{project['id']}", json={"customerId": theirs["id"]})
    assert r.status_code == 404
    for patch, needle in [
        ({"color": "blue"}, "#1f77b4"),
        ({"budgetSeconds": -1}, "budgetSeconds"),
        ({"customerId": "nope"}, "customerId must be a UUID"),
        ({"hourlyRate": "0.001"}, "decimals"),
    ]:
        r = await owner.patch(f"/api/v1/projects/{project['id']}", json=patch)
        assert r.status_code == 400 and needle in r.json()["detail"], (patch, r.text)


async def test_renaming_a_project_to_a_taken_name_with_a_customer_is_a_409(client):
    """Found by the API fuzzer: the customer lookup flushed the taken name early
    and the unique violation escaped as a 500; nothing changes."""
    owner = await register(client)
    taken = _name("Taken")
    assert (await owner.post("/api/v1/projects", json={"name": taken})).status_code == 201
    other = (await owner.post("/api/v1/projects", json={"name": _name("Other")})).json()
    customer = (await owner.post("/api/v1/customers", json={"name": _name("C")})).json()
    r = await owner.patch(
        f"/api/v1/projects/{other['id']}", json={"name": taken, "customerId": customer["id"]}
    )
    assert r.status_code == 409, r.text
    r = await owner.get(f"/api/v1/projects/{other['id']}")
    assert (r.json()["name"], r.json()["customerId"]) == (other["name"], None)
