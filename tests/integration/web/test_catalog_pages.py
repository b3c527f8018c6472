"""Customers, Projects and Tasks pages: add, edit, archive, tasks moved by
status, readable errors, CSRF and role rules; on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.reports.helpers import person
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import register


async def test_customers_add_edit_archive_with_readable_errors(client) -> None:
    owner = await register(client)
    csrf = await web_sign_in(client, owner.email)
    r = await post_form(client, csrf, "/app/customers", name="Globex", currency="usd", rate="120.5")
    assert r.status_code == 303 and r.headers["location"].startswith("/app/customers?")
    page = await client.get(r.headers["location"])
    assert "Customer added." in page.text and "Globex" in page.text and "120.50" in page.text
    customer = (await owner.get("/api/v1/customers")).json()["items"][0]
    assert customer["currency"] == "USD" and customer["hourlyRate"] == "120.50"

    # Refused: the reason is shown above the form, the typed values stay.
    r = await post_form(client, csrf, "/app/customers", name="Initech", rate="1.234")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "more than 2 decimals" in r.text and 'value="Initech"' in r.text
    dashboard = await client.get("/app")
    assert dashboard.headers["content-type"].startswith("text/html")
    r = await post_form(client, csrf, "/app/customers", name="Globex")
    assert r.status_code == 409 and "already exists" in r.text
    assert len((await owner.get("/api/v1/customers")).json()["items"]) == 1

    r = await post_form(
        client,
        csrf,
        f"/app/customers/{customer['id']}",
        name="Globex Corp",
        currency="EUR",
        rate="",
    )
    assert r.status_code == 303
    got = (await owner.get(f"/api/v1/customers/{customer['id']}")).json()
    assert got["name"] == "Globex Corp" and got["hourlyRate"] is None

    r = await post_form(client, csrf, f"/app/customers/{customer['id']}/archive", archived="1")
    assert r.status_code == 303
    assert "Globex Corp" not in (await client.get("/app/customers")).text
    assert "Globex Corp" in (await client.get("/app/customers?archived=1")).text
    assert (await owner.get(f"/api/v1/customers/{customer['id']}")).json()["archived"] is True

    # Without the form's token nothing changes.
    r = await client.post("/app/customers", data={"name": "Forged"})
    assert r.status_code == 403
    assert "Forged" not in (await client.get("/app/customers?archived=1")).text
    client.cookies.clear()


async def test_projects_with_customer_budget_and_archive(client) -> None:
    owner = await register(client)
    customer = (await owner.post("/api/v1/customers", json={"name": "Umbrella"})).json()
    csrf = await web_sign_in(client, owner.email)
    r = await post_form(
        client,
        csrf,
        "/app/projects",
        name="Website",
        customer=customer["id"],
        rate="90",
        budget="12.5",
        color="#ff8800",
        billable="on",
    )
    assert r.status_code == 303
    project = (await owner.get("/api/v1/projects")).json()["items"][0]
    assert project["customerId"] == customer["id"] and project["budgetSeconds"] == 45000
    assert project["billable"] is True and project["color"] == "#ff8800"
    listing = (await client.get("/app/projects")).text
    assert "Umbrella" in listing and "12h 30m" in listing

    r = await post_form(client, csrf, "/app/projects", name="Bad", budget="lots")
    assert r.status_code == 400 and "Budget must be a number of hours" in r.text

    # Edit: not billable any more (unchecked box), budget cleared.
    r = await post_form(
        client, csrf, f"/app/projects/{project['id']}", name="Website 2", customer="", budget=""
    )
    assert r.status_code == 303
    got = (await owner.get(f"/api/v1/projects/{project['id']}")).json()
    assert got["name"] == "Website 2" and got["billable"] is False
    assert got["customerId"] is None and got["budgetSeconds"] is None
    r = await post_form(client, csrf, f"/app/projects/{project['id']}/archive", archived="1")
    assert r.status_code == 303
    assert "Website 2" not in (await client.get("/app/projects")).text
    client.cookies.clear()


async def test_member_lands_on_my_time_and_moves_only_own_tasks(client) -> None:
    owner = await register(client)
    member = await person(owner, "Mia Member")
    project = (await owner.post("/api/v1/projects", json={"name": "Apollo"})).json()
    csrf = await web_sign_in(client, owner.email)
    for name, assignee in (("Mine", member.user_id), ("Theirs", owner.user_id)):
        r = await post_form(
            client,
            csrf,
            "/app/tasks",
            project=project["id"],
            name=name,
            assignee=assignee,
            priority="high",
            estimate="1:30",
            tags="web, design",
            due="2026-12-24",
        )
        assert r.status_code == 303, r.text[:500]
    r = await post_form(client, csrf, "/app/tasks", project=project["id"], name="X", due="24.12.")
    assert r.status_code == 400 and "due date must be a date" in r.text
    tasks = {t["name"]: t for t in (await owner.get("/api/v1/tasks")).json()["items"]}
    mine, theirs = tasks["Mine"], tasks["Theirs"]
    assert mine["estimateSeconds"] == 5400 and mine["tags"] == ["web", "design"]
    assert mine["priority"] == "high" and mine["dueDate"] == "2026-12-24"

    csrf = await web_sign_in(client, member.email)
    r = await client.get("/app", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == "/app/time"
    home = await client.get("/app/time")
    assert "My time" in home.text
    assert 'href="/app/settings"' not in home.text and 'href="/app/reports"' not in home.text
    board = (await client.get("/app/tasks")).text
    # Buttons only on the member's own task.
    assert f'action="/app/tasks/{mine["id"]}/status"' in board
    assert f'action="/app/tasks/{theirs["id"]}/status"' not in board

    r = await post_form(
        client, csrf, f"/app/tasks/{mine['id']}/status", status="in_progress", assignee="me"
    )
    assert r.status_code == 303 and "assignee=me" in r.headers["location"]
    board = await client.get(r.headers["location"])
    assert "Task moved." in board.text
    column = board.text.split('data-testid="column-in_progress"')[1].split("</section>")[0]
    assert "Mine" in column and "Theirs" not in column
    got = (await owner.get(f"/api/v1/tasks/{mine['id']}")).json()
    assert got["status"] == "in_progress"

    r = await post_form(client, csrf, f"/app/tasks/{theirs['id']}/status", status="done")
    assert r.status_code == 403 and "assignee can change its status" in r.text
    r = await post_form(client, csrf, f"/app/tasks/{mine['id']}/status", status="archived")
    assert r.status_code == 403
    r = await post_form(client, csrf, f"/app/tasks/{mine['id']}/status", status="finished")
    assert r.status_code == 400 and "choose a status" in r.text
    assert (await owner.get(f"/api/v1/tasks/{theirs['id']}")).json()["status"] == "todo"

    # Member: may read customers/projects/tasks pages, not edit them.
    r = await post_form(client, csrf, "/app/projects", name="Sneaky")
    assert r.status_code == 403
    r = await post_form(client, csrf, f"/app/tasks/{mine['id']}", name="Renamed")
    assert r.status_code == 403
    assert (await client.get(f"/app/tasks/{mine['id']}")).status_code == 200
    client.cookies.clear()


async def test_foreign_and_malformed_ids_are_404(client) -> None:
    owner = await register(client)
    stranger = await register(client, org_name="Elsewhere")
    project = (await stranger.post("/api/v1/projects", json={"name": "Hidden"})).json()
    customer = (await stranger.post("/api/v1/customers", json={"name": "Hidden Co"})).json()
    task = (
        await stranger.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "Hidden"})
    ).json()
    csrf = await web_sign_in(client, owner.email)
    for path in (
        f"/app/projects/{project['id']}",
        f"/app/customers/{customer['id']}",
        f"/app/tasks/{task['id']}",
        "/app/tasks/not-an-id",
    ):
        assert (await client.get(path)).status_code == 404, path
    r = await post_form(client, csrf, f"/app/tasks/{task['id']}/status", status="done")
    assert r.status_code == 404
    r = await post_form(client, csrf, f"/app/projects/{project['id']}/archive", archived="1")
    assert r.status_code == 404
    r = await post_form(client, csrf, "/app/tasks", project=project["id"], name="Injected")
    assert r.status_code == 404
    assert (await stranger.get(f"/api/v1/projects/{project['id']}")).json()["archived"] is False
    client.cookies.clear()
