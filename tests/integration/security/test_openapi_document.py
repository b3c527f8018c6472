"""The OpenAPI document's rules hold for every route, including routes added
later (server/http/openapi.py, server/http/allow.py); the fuzzer in
tests/e2e/fuzz checks the answers against it."""

from __future__ import annotations

from litestar.routes import HTTPRoute

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


async def test_every_operation_documents_its_errors_as_our_error_body(client):
    doc = (await client.get("/schema/openapi.json")).json()
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["statusCode", "detail"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            where = f"{method.upper()} {path}"
            assert "503" in responses, where
            for code, response in responses.items():
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"] == ERROR_REF, (
                        where,
                        code,
                    )
            if any(p["in"] == "path" for p in op.get("parameters", [])):
                assert "404" in responses, where
            if method in ("post", "put", "patch", "delete"):
                assert "409" in responses, where
    assert "status_code" not in str(doc)
    team = doc["paths"]["/api/v1/teams/{team_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404", "429", "503"} <= set(team)
    # Ids in queries: a UUID or empty; page sizes at least 1.
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/tasks"]["get"]["parameters"]}
    assignee = next(b for b in params["assigneeId"]["oneOf"] if b.get("type") == "string")
    assert assignee["pattern"].startswith("^$|^[0-9a-fA-F]{8}-")
    assert params["limit"]["minimum"] == 1
    health = doc["paths"]["/health"]["get"]["responses"]
    assert "401" not in health and "429" not in health


async def test_options_allows_every_method_of_its_path(client):
    app = client.app
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "{" not in route.path:
            continue
        url = route.path_format.replace("{", "").replace("}", "")
        r = await client.options(url)
        assert r.status_code == 204, (url, r.text)
        assert set(r.headers["allow"].split(", ")) == set(route.methods), url
        checked += 1
    assert checked > 20
    r = await client.options("/api/v1/teams/x")
    assert set(r.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE", "OPTIONS"}
