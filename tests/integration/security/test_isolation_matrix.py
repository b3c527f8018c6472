"""Isolation matrix, generated from the route table, on SQLite and PostgreSQL.

For every API route with an id in its path and every method it answers:
- as a user of ANOTHER organization, a real id of the first organization is
  answered exactly like an id that does not exist (same status, never 2xx or
  5xx): nothing tells an outsider that the row exists;
- as a MEMBER of the same organization, no write succeeds unless the docs say
  a member may do it (ALLOWED_FOR_MEMBERS).

The routes come from the app itself, so a route added later is covered at
once; a route whose path id this test cannot supply fails loudly until an id
source is added to `_ids`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.routes import HTTPRoute

from tests.integration.screenshots.helpers import make_entry, upload
from tests.integration.screenshots.images import png_bytes
from tests.support.api import Account, create_project, invite, register

_PARAM = re.compile(r"\{(\w+):\w+\}")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# (method, path template) a MEMBER may call on these ids, per docs/api.md.
ALLOWED_FOR_MEMBERS = {
    ("PATCH", "/api/v1/members/{member_id:str}"),  # their own name and time zone
    ("PATCH", "/api/v1/tasks/{task_id:str}/status"),  # their own task
    ("DELETE", "/api/v1/screenshots/{shot_id:str}"),  # their own, within the policy window
}


def _api_routes(app: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/") and "{" in route.path
        for method in route.methods - {"OPTIONS", "HEAD"}
    )


async def _ids(owner: Account, member: Account) -> dict[str, str]:
    """One real row of the first organization for every kind of path id."""
    project = await create_project(owner)
    r = await owner.post(
        f"/api/v1/projects/{project['id']}/tasks",
        json={"name": "task", "assigneeId": member.user_id},
    )
    task = r.json()
    team = (await owner.post("/api/v1/teams", json={"name": f"t-{uuid.uuid4().hex[:6]}"})).json()
    await owner.post(f"/api/v1/teams/{team['id']}/members", json={"userId": member.user_id})
    customer = (await owner.post("/api/v1/customers", json={"name": "Initech"})).json()
    activity = (await owner.post("/api/v1/activities", json={"name": "Support"})).json()
    shot = (await upload(member, png_bytes(), await make_entry(member))).json()
    time_entry = (
        await owner.post(
            "/api/v1/time-entries",
            json={
                "projectId": project["id"],
                "startTime": "2026-01-05T09:00:00Z",
                "endTime": "2026-01-05T10:00:00Z",
            },
        )
    ).json()
    r = await owner.get(
        "/api/v1/reports/export", params={"format": "csv", "from": "2026-01-01", "to": "2026-01-02"}
    )
    timesheet = (await member.post("/api/v1/timesheets", json={"weekStart": "2026-01-05"})).json()
    csv_upload = await owner.post(
        "/api/v1/imports/csv",
        files={"file": ("t.csv", b"Email,Start date,Start time,Duration\n", "text/csv")},
        data={"format": "toggl", "dryRun": "true"},
    )
    run = (await owner.get(f"/api/v1/integration-runs/{csv_upload.json()['id']}")).json()
    return {
        "integration_id": run["integrationId"],
        "run_id": run["id"],
        "member_id": member.user_id,
        "user_id": member.user_id,
        "team_id": team["id"],
        "project_id": project["id"],
        "task_id": task["id"],
        "customer_id": customer["id"],
        "activity_id": activity["id"],
        "shot_id": shot["id"],
        "job_id": r.json()["jobId"],
        "timesheet_id": timesheet["id"],
        "entry_id": time_entry["id"],
        # No two-way conflict exists in this setup (it needs a remote): a stranger's
        # 404 on a real conflict is asserted in integrations/test_twoway.py.
        "conflict_id": str(uuid.uuid4()),
    }


def _url(template: str, ids: dict[str, str]) -> str:
    missing = [p for p in _PARAM.findall(template) if p not in ids]
    assert not missing, f"{template}: add a real row for {missing} to _ids()"
    return _PARAM.sub(lambda m: ids[m.group(1)], template)


def _example(schema: dict[str, Any], spec: dict[str, Any], ids: dict[str, str], name: str) -> Any:
    """A plausible value for one body field: real ids for `...Id` fields, so a
    request fails only for the reason under test."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("oneOf", schema.get("anyOf", [])):
        if option.get("type") != "null":
            return _example(option, spec, ids, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {
            k: _example(v, spec, ids, k)
            for k, v in props.items()
            if k in schema.get("required", [])
        }
    if kind == "string":
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        if snake in ids:
            return ids[snake]
        return "2026-01-05" if schema.get("format") == "date" else f"x-{uuid.uuid4().hex[:6]}"
    return {"integer": 1, "number": 1, "boolean": True, "array": []}.get(kind or "", None)


def _body(app: Any, method: str, template: str, ids: dict[str, str]) -> Any:
    spec = app.openapi_schema.to_schema()
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", template)
    body = spec["paths"].get(path, {}).get(method.lower(), {}).get("requestBody")
    if not body or "application/json" not in body.get("content", {}):
        return None
    return _example(body["content"]["application/json"]["schema"], spec, ids, "")


async def _call(who: Account, method: str, url: str, body: Any = None) -> int:
    kwargs: dict[str, Any] = {} if method in ("GET", "DELETE") else {"json": body or {}}
    r = await who.client.request(method, url, headers=who.headers, **kwargs)
    return r.status_code


async def test_other_organizations_cannot_tell_a_row_exists(client) -> None:
    owner = await register(client)
    member = await invite(owner)
    ids = await _ids(owner, member)
    unknown = {name: str(uuid.uuid4()) for name in ids}
    outsider = await register(client)
    routes = _api_routes(client.app)
    assert len(routes) >= 20, routes  # the table was read
    leaks = []
    for method, template in routes:
        real = await _call(outsider, method, _url(template, ids))
        fake = await _call(outsider, method, _url(template, unknown))
        if real != fake or real < 400 or real >= 500:
            leaks.append((method, template, real, fake))
    assert leaks == [], "foreign ids must look like unknown ones: (method, path, real, unknown)"


async def test_members_cannot_write_what_the_docs_keep_for_admins(client) -> None:
    owner = await register(client)
    member = await invite(owner)
    ids = await _ids(owner, member)
    other_member = await invite(owner)
    peer_ids = {**ids, "member_id": other_member.user_id, "user_id": other_member.user_id}
    written = []
    for method, template in _api_routes(client.app):
        if method not in WRITES or (method, template) in ALLOWED_FOR_MEMBERS:
            continue
        body = _body(client.app, method, template, peer_ids)
        status = await _call(member, method, _url(template, peer_ids), body)
        if status < 400 or status >= 500:
            written.append((method, template, status))
    assert written == [], "a MEMBER wrote where only admins may: (method, path, status)"
