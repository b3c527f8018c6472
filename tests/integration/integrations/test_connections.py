"""People's own connections to a two-way integration, against the Jira
stand-in, on SQLite and PostgreSQL: a worklog pushed with a person's own token
is authored by them; an expired OAuth access token is refreshed once and the
rotated pair stored; two refreshes at once use the refresh token once; a
refused refresh flags the connection and the run goes on with the others;
tokens are never returned, stored in clear, audited or logged."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
from sqlalchemy import select, update

from server.db.models import AuditLog, IntegrationConnection
from server.integrations.credentials import keyring_for, unseal
from server.integrations.oauth import atlassian_refresh, fresh_credentials
from tests.integration.integrations.helpers import connect, run
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import create_project, invite, register
from tests.support.process import run_server
from tests.support.standins.base import serving
from tests.support.standins.jira import JiraStandIn
from tests.support.standins.zammad import ZammadStandIn

EMAIL, TOKEN = "bot@example.test", "jira-token-0123456789"
CAROL_MAIL, CAROL_TOKEN = "carol@jira.example", "carol-T0KEN-5ecret-abcd"


async def _setup(client, jira: JiraStandIn, owner=None):
    owner = owner or await register(client)
    bob = await invite(owner, name="Bob")
    carol = await invite(owner, name="Carol")
    project = await create_project(owner)
    jira.add_issue("ABC-1")
    account = jira.add_account(CAROL_MAIL, "Carol at Jira")
    r = await connect(
        owner,
        "jira",
        jira.url,
        {
            "email": EMAIL,
            "apiToken": TOKEN,
            "oauthClientId": jira.client_id,
            "oauthClientSecret": jira.client_secret,
        },
        {
            "projectId": project["id"],
            "oauthTokenUrl": f"{jira.url}/oauth/token",
            "oauthApiUrl": jira.url,
        },
    )
    assert r.status_code == 201, r.text
    return owner, bob, carol, project, account, r.json()["id"]


async def _entry(member, project, minutes_ago: int, text: str = "work") -> str:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    r = await member.post(
        "/api/v1/time-entries",
        json={
            "projectId": project["id"],
            "startTime": start.isoformat(),
            "endTime": (start + timedelta(minutes=30)).isoformat(),
            "description": text,
            "ticketKey": "ABC-1",
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _oauth(member, jid: str, jira: JiraStandIn, account: str):
    access, refresh = jira.grant(account)
    body = {"accessToken": access, "refreshToken": refresh, "expiresIn": 3600, "cloudId": "cloud-1"}
    r = await member.put(f"/api/v1/integrations/{jid}/connection", json={"oauth": body})
    assert r.status_code == 200, r.text
    assert access not in r.text and refresh not in r.text
    return r.json(), access, refresh


async def _expire(db, jid: str, user_id: str) -> None:
    """The clock moved past the access token's expiry (here and at the stand-in)."""
    async with db() as s:
        await s.execute(
            update(IntegrationConnection)
            .where(
                IntegrationConnection.integration_id == uuid.UUID(jid),
                IntegrationConnection.user_id == uuid.UUID(user_id),
            )
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await s.commit()


async def _row(db, jid: str, user_id: str) -> IntegrationConnection:
    async with db() as s:
        found = await s.execute(
            select(IntegrationConnection).where(
                IntegrationConnection.integration_id == uuid.UUID(jid),
                IntegrationConnection.user_id == uuid.UUID(user_id),
            )
        )
        return found.scalar_one()


def _by_issue(jira: JiraStandIn) -> list[dict]:
    return [w for w in jira.worklogs.values() if w["issueId"] == jira.issues["ABC-1"]]


async def test_own_token_authors_worklogs_masked_and_isolated(client, db):
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        owner, bob, carol, project, account, jid = await _setup(client, jira)
        outsider = await register(client)
        jira.add_api_token(CAROL_MAIL, CAROL_TOKEN, account)
        url = f"/api/v1/integrations/{jid}/connection"
        assert (await carol.get(url)).status_code == 404
        bad = await carol.put(url, json={"credentials": {"email": CAROL_MAIL, "apiToken": "nope"}})
        assert bad.status_code == 422 and "Jira refused" in bad.json()["detail"], bad.text
        r = await carol.put(url, json={"credentials": {"email": CAROL_MAIL, "apiToken": "x"} | {}})
        assert r.status_code == 422
        r = await carol.put(
            url, json={"credentials": {"email": CAROL_MAIL, "apiToken": CAROL_TOKEN}}
        )
        assert r.status_code == 200, r.text
        mine = r.json()
        assert mine["credentials"]["apiToken"] == "••••abcd" and mine["kind"] == "token"
        assert mine["status"] == "active" and CAROL_MAIL in mine["account"]
        seen = [r.text, (await carol.get(url)).text]
        assert (await carol.get(f"/api/v1/integrations/{jid}/connections")).status_code == 403
        listed = await owner.get(f"/api/v1/integrations/{jid}/connections")
        assert listed.status_code == 200, listed.text
        [who] = listed.json()["items"]
        assert (who["userId"], who["status"]) == (carol.user_id, "active")
        assert "credentials" not in who
        seen.append(listed.text)
        overview = (await carol.get("/api/v1/integration-connections")).json()["items"]
        assert [(i["integrationId"], i["connection"]["kind"]) for i in overview] == [(jid, "token")]
        assert overview[0]["oauthAvailable"] is True
        seen.append(str(overview))
        for call in (outsider.get(url), outsider.put(url, json={"credentials": {}})):
            assert (await call).status_code == 404
        assert (await outsider.get("/api/v1/integration-connections")).json()["items"] == []

        mine_id = await _entry(carol, project, 120, "carol's work")
        await _entry(bob, project, 60, "bob's work")
        first = await run(owner, jid)
        assert first["status"] == "done" and first["counts"]["pushed"] == 2, first
        authors = {w["comment"]["content"][0]["content"][0]["text"]: w for w in _by_issue(jira)}
        assert authors["carol's work"]["author"]["accountId"] == account
        assert authors["bob's work"]["author"]["accountId"] == jira.me

        # An edit and a deletion of Carol's entry go with her token too.
        r = await carol.patch(f"/api/v1/time-entries/{mine_id}", json={"description": "edited"})
        assert r.status_code == 200, r.text
        assert (await run(owner, jid))["counts"]["pushed"] == 1
        assert authors["carol's work"]["updateAuthor"]["accountId"] == account
        assert (await carol.delete(f"/api/v1/time-entries/{mine_id}")).status_code == 204
        gone = await run(owner, jid)
        assert gone["counts"]["removed"] == 1, gone
        [deletion] = [q for q in jira.log if q.method == "DELETE"]
        assert (
            jira.basic[base64.b64decode(deletion.headers["authorization"][6:]).decode()] == account
        )
        assert authors["carol's work"]["id"] not in jira.worklogs

        assert (await carol.delete(url)).status_code == 204
        assert (await carol.get(url)).status_code == 404
    for text in seen:
        assert CAROL_TOKEN not in text
    async with db() as s:
        audit = (
            await s.execute(
                select(AuditLog.action, AuditLog.detail).where(AuditLog.target_id == jid)
            )
        ).all()
    assert {"integration.connection_set", "integration.connection_removed"} <= {a for a, _ in audit}
    assert CAROL_TOKEN not in str(audit)


async def test_expired_access_token_is_refreshed_once_and_rotation_stored(client, db):
    settings = client.app.state.app_state.settings
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        owner, _bob, carol, project, account, jid = await _setup(client, jira)
        out, access, refresh = await _oauth(carol, jid, jira, account)
        assert out["kind"] == "oauth" and out["expiresAt"]
        await _entry(carol, project, 90, "oauth work")
        jira.expire_access_tokens()
        await _expire(db, jid, carol.user_id)
        done = await run(owner, jid)
        assert done["status"] == "done" and done["counts"]["pushed"] == 1, done
        assert jira.refreshes == 1
        [worklog] = _by_issue(jira)
        assert worklog["author"]["accountId"] == account
        row = await _row(db, jid, carol.user_id)
        stored = unseal(row, keyring_for(settings))
        # The rotated pair is the one stored: the refresh token used is dead.
        assert stored["refreshToken"] in jira.refresh_tokens and refresh not in jira.refresh_tokens
        assert stored["accessToken"] in jira.access and stored["accessToken"] != access
        assert row.expires_at > datetime.now(UTC) + timedelta(minutes=50) and row.refreshed_at
        assert refresh not in row.secret_box and stored["refreshToken"] not in row.secret_box
        # Revoked early (the row still thinks it valid): a 401, one refresh, one retry.
        jira.expire_access_tokens()
        r = await carol.patch(
            f"/api/v1/time-entries/{(await carol.get('/api/v1/time-entries')).json()['items'][0]['id']}",
            json={"description": "again"},
        )
        assert r.status_code == 200, r.text
        again = await run(owner, jid)
        assert again["counts"]["pushed"] == 1 and jira.refreshes == 2, again


async def test_concurrent_refreshes_use_the_refresh_token_once(client, db):
    settings = client.app.state.app_state.settings
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        _owner, _bob, carol, _project, account, jid = await _setup(client, jira)
        await _oauth(carol, jid, jira, account)
        await _expire(db, jid, carol.user_id)
        jira.refresh_delay = 0.5  # both are in flight at once
        row = await _row(db, jid, carol.user_id)
        refresher = partial(
            atlassian_refresh, f"{jira.url}/oauth/token", jira.client_id, jira.client_secret
        )
        ring = keyring_for(settings)
        (a, va), (b, vb) = await asyncio.gather(
            fresh_credentials(db, ring, row.id, refresher),
            fresh_credentials(db, ring, row.id, refresher),
        )
        assert jira.refreshes == 1 and a == b and va == vb
        after = await _row(db, jid, carol.user_id)
        assert after.status == "active" and after.version == row.version + 2
        assert unseal(after, ring)["refreshToken"] in jira.refresh_tokens
        # The stored refresh token still works: a later refresh succeeds.
        jira.refresh_delay = 0
        await _expire(db, jid, carol.user_id)
        (c, _) = await fresh_credentials(db, ring, row.id, refresher)
        assert jira.refreshes == 2 and c["accessToken"] != a["accessToken"]


async def test_refused_refresh_flags_the_connection_and_the_run_goes_on(client, db):
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        owner, bob, carol, project, account, jid = await _setup(client, jira)
        await _oauth(carol, jid, jira, account)
        await _entry(carol, project, 120, "carol's")
        await _entry(bob, project, 60, "bob's")
        jira.refresh_tokens.clear()  # revoked at Atlassian
        jira.expire_access_tokens()
        await _expire(db, jid, carol.user_id)
        done = await run(owner, jid)
        assert done["status"] == "done", done
        assert (done["counts"]["pushed"], done["counts"]["failed"]) == (1, 1), done
        [error] = done["errors"]
        assert "Carol's own Jira connection needs re-authorisation" in error["detail"]
        assert "Unknown or invalid refresh token" in error["detail"]
        [pushed] = _by_issue(jira)
        assert pushed["author"]["accountId"] == jira.me  # Bob's, with the service token
        mine = (await carol.get(f"/api/v1/integrations/{jid}/connection")).json()
        assert mine["status"] == "reauth" and "connect your account again" in mine["statusReason"]
        [who] = (await owner.get(f"/api/v1/integrations/{jid}/connections")).json()["items"]
        assert who["status"] == "reauth" and who["statusReason"] == mine["statusReason"]
        # Still within the next run's 5 minutes of overlap: the same error, and the
        # dead refresh token is not tried again.
        again = await run(owner, jid)
        assert (again["counts"]["failed"], again["counts"]["pushed"]) == (1, 0), again
        assert "needs re-authorisation" in again["errors"][0]["detail"]
        assert not [q for q in jira.log if q.path == "/oauth/token"][1:]

        await _oauth(carol, jid, jira, account)  # connected again: her entry goes now
        back = await run(owner, jid)
        assert (back["counts"]["pushed"], back["counts"]["failed"]) == (1, 0), back
        assert {w["author"]["accountId"] for w in _by_issue(jira)} == {jira.me, account}


async def test_tokens_never_in_a_real_server_log(tmp_path):
    """A refresh, a refused refresh and pushes with people's tokens, in a real
    server at DEBUG: none of the tokens (nor the OAuth app's secret) is logged."""
    with (
        serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira,
        run_server(tmp_path / "data", {"LOG_LEVEL": "DEBUG"}) as server,
    ):
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            owner = await register(http, data_dir=server.data_dir)
            owner, bob, carol, project, account, jid = await _setup(http, jira, owner)
            bob_account = jira.add_account("bob@jira.example", "Bob at Jira")
            jira.add_api_token("bob@jira.example", CAROL_TOKEN, bob_account)
            r = await bob.put(
                f"/api/v1/integrations/{jid}/connection",
                json={"credentials": {"email": "bob@jira.example", "apiToken": CAROL_TOKEN}},
            )
            assert r.status_code == 200, r.text
            _, access, refresh = await _oauth(carol, jid, jira, account)
            await _entry(carol, project, 120, "carol's")
            await _entry(bob, project, 60, "bob's")
            jira.expire_access_tokens()  # a 401 → one refresh → the retry
            done = await run(owner, jid)
            assert (done["counts"]["pushed"], jira.refreshes) == (2, 1), done
            live = list(jira.refresh_tokens) + list(jira.access)
            jira.refresh_tokens.clear()
            jira.expire_access_tokens()
            await _entry(carol, project, 30, "later")
            refused = await run(owner, jid)
            assert refused["counts"]["failed"] == 1, refused
        log = server.log()
    assert "token refreshed" in log and "needs re-authorisation" in log
    for secret in [CAROL_TOKEN, TOKEN, access, refresh, jira.client_secret, *live]:
        assert secret not in log


async def test_a_person_connects_their_own_token_on_the_web(client):
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        owner, _bob, carol, _project, account, jid = await _setup(client, jira)
        jira.add_api_token(CAROL_MAIL, CAROL_TOKEN, account)
        csrf = await web_sign_in(client, carol.email)
        page = await client.get("/app/connections")
        assert page.status_code == 200 and "Not connected" in page.text, page.text[:300]
        r = await post_form(
            client, csrf, f"/app/connections/{jid}", email=CAROL_MAIL, apiToken="wrong-token"
        )
        assert r.status_code == 303
        refused = await client.get(r.headers["location"])
        assert "Jira refused" in refused.text
        r = await post_form(
            client, csrf, f"/app/connections/{jid}", email=CAROL_MAIL, apiToken=CAROL_TOKEN
        )
        assert r.status_code == 303
        shown = await client.get(r.headers["location"])
        assert "Connected" in shown.text and "••••abcd" in shown.text
        assert CAROL_TOKEN not in shown.text
        assert (await client.get(f"/app/integrations/{jid}")).status_code == 403  # admins only

        csrf = await web_sign_in(client, owner.email)
        admin_page = await client.get(f"/app/integrations/{jid}")
        assert (
            "People&#39;s own connections" in admin_page.text
            or "own connections" in admin_page.text
        )
        assert "Carol" in admin_page.text and "••••abcd" not in admin_page.text

        csrf = await web_sign_in(client, carol.email)
        r = await post_form(client, csrf, f"/app/connections/{jid}/delete")
        assert r.status_code == 303
        assert (await carol.get(f"/api/v1/integrations/{jid}/connection")).status_code == 404


async def test_rotate_secret_key_reseals_connections(client, db, backend, session_tmp):
    settings = client.app.state.app_state.settings
    data_dir = session_tmp / f"data-{'pg' if backend.startswith('postgresql') else 'sqlite'}"
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        owner, _bob, carol, project, account, jid = await _setup(client, jira)
        jira.add_api_token(CAROL_MAIL, CAROL_TOKEN, account)
        r = await carol.put(
            f"/api/v1/integrations/{jid}/connection",
            json={"credentials": {"email": CAROL_MAIL, "apiToken": CAROL_TOKEN}},
        )
        assert r.status_code == 200, r.text
        before = await _row(db, jid, carol.user_id)
        env = {**os.environ, "DATABASE_URL": backend, "HUBNITY_DATA_DIR": str(data_dir)}
        env.pop("HUBNITY_SECRET_KEY", None)
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", "rotate-secret-key"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert CAROL_TOKEN not in done.stdout + done.stderr
        after = await _row(db, jid, carol.user_id)
        assert after.secret_key_id != before.secret_key_id
        assert unseal(after, keyring_for(settings))["apiToken"] == CAROL_TOKEN
        await _entry(carol, project, 45, "after rotation")
        pushed = await run(owner, jid)
        assert pushed["counts"]["pushed"] == 1, pushed
        [worklog] = _by_issue(jira)
        assert worklog["author"]["accountId"] == account


async def test_zammad_time_is_accounted_as_its_owner_with_their_token(client):
    """Zammad: a person's own access token; their time accounting is created by
    their agent, the others' by the service agent; an import-only integration
    takes no personal connection."""
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    dana = await invite(owner, name="Dana")
    project = await create_project(owner)
    with serving(ZammadStandIn(token="zammad-service-token-0001")) as zammad:
        ticket = zammad.add_ticket()
        agent = zammad.add_user("dana@zammad.example", "Dana", "Agent")
        zammad.add_token("dana-own-token-9876", agent)
        r = await connect(
            owner,
            "zammad",
            zammad.url,
            {"apiToken": "zammad-service-token-0001"},
            {"projectId": project["id"]},
        )
        assert r.status_code == 201, r.text
        zid = r.json()["id"]
        url = f"/api/v1/integrations/{zid}/connection"
        r = await dana.put(url, json={"credentials": {"email": "x", "apiToken": "y"}})
        assert r.status_code == 400 and "unknown credentials email" in r.json()["detail"]
        r = await dana.put(url, json={"credentials": {"apiToken": "dana-own-token-9876"}})
        assert r.status_code == 200 and r.json()["credentials"]["apiToken"] == "••••9876", r.text
        oauth = {"accessToken": "a", "refreshToken": "b", "expiresIn": 60, "cloudId": "c"}
        r = await dana.put(url, json={"oauth": oauth})
        assert r.status_code == 400 and "Jira Cloud" in r.json()["detail"]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        for who in (dana, bob):
            r = await who.post(
                "/api/v1/time-entries",
                json={
                    "projectId": project["id"],
                    "startTime": start.isoformat(),
                    "endTime": (start + timedelta(minutes=30)).isoformat(),
                    "ticketKey": str(ticket),
                },
            )
            assert r.status_code == 201, r.text
            start += timedelta(hours=1)
        done = await run(owner, zid)
        assert done["counts"]["pushed"] == 2, done
        assert sorted(a["created_by_id"] for a in zammad.accountings.values()) == sorted(
            [agent, zammad.me]
        )
        r = await connect(owner, "csv_toggl", "", {}, name="csv")
        assert r.status_code == 201, r.text
        refused = await dana.put(
            f"/api/v1/integrations/{r.json()['id']}/connection",
            json={"credentials": {"apiToken": "x"}},
        )
        assert refused.status_code == 400 and "no personal connections" in refused.text
