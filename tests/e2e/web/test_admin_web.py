"""An admin manages members, invitations, teams, projects and tasks from the web
pages in Chromium (each change confirmed in a dialog), with invitations mailed to
a real SMTP server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.web.accounts_site import MailSite, mail_site
from tests.e2e.web.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def asite(request: pytest.FixtureRequest) -> Iterator[MailSite]:
    with mail_site(request.param) as site:
        yield site


class Dialogs:
    """Answers the pages' confirmation dialogs, and remembers their questions."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.accept = True
        self.questions: list[str] = []
        page.on("dialog", self._on)

    async def _on(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.questions.append(dialog.message)
        await (dialog.accept() if self.accept else dialog.dismiss())


async def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(selector)


def _api_login(site: MailSite, email: str, password: str) -> str:
    r = httpx.post(f"{site.url}/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["accessToken"])


async def test_members_and_invitations(browser, asite, tmp_path: Path) -> None:
    from agent.core.api import ApiClient, AuthRequired
    from agent.core.credentials import FileStore

    context, page = await sign_in(browser, asite, asite.owner)
    dialogs = Dialogs(page)
    await page.goto(f"{asite.url}/app/settings")

    # Invite: the mail arrives, the link is shown, the person is pending.
    ivy = "ivy@demo.hubnity.local"
    await page.fill("form[action='/app/settings/invite'] input[name=name]", "Ivy Invitee")
    await page.fill("form[action='/app/settings/invite'] input[name=email]", ivy)
    await _submit(page, "form[action='/app/settings/invite'] button")
    first = await asite.inbox.wait_for(ivy)
    assert "Olivia Owner invited you to Demo Company" in first.subject
    shown = await page.get_attribute("[data-testid=invitation-link]", "href")
    assert shown == first.link("/invite")
    row = page.locator("tr[data-invitation='ivy@demo.hubnity.local']")
    assert await row.count() == 1 and "UTC" in await row.text_content()

    # Resend (confirmed): a new mail, and the first link is dead.
    await _submit(page, "tr[data-invitation='ivy@demo.hubnity.local'] button:text('Resend')")
    assert "current link stops working" in dialogs.questions[-1]
    second = await asite.inbox.wait_for(ivy, 2)
    assert second.link("/invite") != first.link("/invite")
    token = parse_qs(urlsplit(first.link("/invite")).query)["token"][0]
    r = httpx.post(
        f"{asite.url}/api/v1/auth/accept-invite",
        json={"token": token, "password": "a perfectly good pass"},
    )
    assert r.status_code == 400
    # Revoke, dismissed: nothing happens; confirmed: the invitation is gone.
    dialogs.accept = False
    await page.click("tr[data-invitation='ivy@demo.hubnity.local'] button:text('Revoke')")
    await asyncio.sleep(0.5)
    assert await row.count() == 1
    dialogs.accept = True
    await _submit(page, "tr[data-invitation='ivy@demo.hubnity.local'] button:text('Revoke')")
    assert "Invitation revoked" in await page.text_content("[role=status]")
    assert await page.locator("tr[data-invitation='ivy@demo.hubnity.local']").count() == 0

    # Role change.
    bob = asite.login_of("bob")
    bob_row = f"tr[data-member='{bob}']"
    await page.select_option(f"{bob_row} select[name=role]", "MANAGER")
    await _submit(page, f"{bob_row} form[action$='/role'] button")
    assert "Role changed" in await page.text_content("[role=status]")
    assert await page.locator(f"{bob_row} select[name=role]").input_value() == "MANAGER"

    # Deactivate: Bob's agent is refused at once and told so; then reactivate.
    store = FileStore(tmp_path / "tokens.json")
    agent = ApiClient(asite.url, store, on_auth_lost=lambda: lost.append(True))
    lost: list[bool] = []
    agent.login(bob, asite.password)
    agent.request("GET", "/api/v1/projects/active")
    await _submit(page, f"{bob_row} button:text('Deactivate')")
    assert "signed out everywhere" in dialogs.questions[-1]
    assert "Deactivated" in await page.locator(bob_row).text_content()
    with pytest.raises(AuthRequired, match="sign in again"):
        agent.request("GET", "/api/v1/projects/active")
    assert lost == [True] and not agent.signed_in
    await page.screenshot(
        path=str(ARTIFACTS / f"admin-members-{asite.database}.png"), full_page=True
    )
    await _submit(page, f"{bob_row} button:text('Reactivate')")
    assert "Active" in await page.locator(bob_row).text_content()
    _api_login(asite, bob, asite.password)
    # Nobody can deactivate themselves from here (no button on one's own row).
    assert await page.locator(f"tr[data-member='{asite.owner}'] button").count() == 0
    await context.close()


async def test_teams_projects_and_tasks(browser, asite) -> None:
    context, page = await sign_in(browser, asite, asite.owner)
    Dialogs(page)
    await page.goto(f"{asite.url}/app/settings")
    await page.fill("form[action='/app/settings/teams'] input[name=name]", "Night shift")
    await _submit(page, "form[action='/app/settings/teams'] button")
    team = page.locator("[data-team='Night shift']")
    await team.locator("select[name=user]").select_option(label="Chen Wei")
    await _submit(page, "[data-team='Night shift'] form[action$='/members'] button")
    assert "Chen Wei" in await team.text_content()
    await _submit(
        page, "[data-team='Night shift'] button[aria-label='Remove Chen Wei from Night shift']"
    )
    assert (
        "Chen Wei"
        not in await page.locator(
            "[data-team='Night shift'] .chips, [data-team='Night shift'] .empty-line"
        ).first.text_content()
    )
    await page.fill(
        "[data-team='Night shift'] form[action$='/rename'] input[name=name]", "Late shift"
    )
    await _submit(page, "[data-team='Night shift'] form[action$='/rename'] button")
    assert await page.locator("[data-team='Late shift']").count() == 1
    await _submit(page, "[data-team='Late shift'] button:text('Delete team')")
    assert await page.locator("[data-team='Late shift']").count() == 0

    # Projects and tasks: what the agent is offered follows the archive state.
    member = _api_login(asite, asite.login_of("chen"), asite.password)

    def offered() -> dict[str, list[str]]:
        r = httpx.get(
            f"{asite.url}/api/v1/projects/active", headers={"Authorization": f"Bearer {member}"}
        )
        return {p["name"]: [t["name"] for t in p["tasks"]] for p in r.json()["items"]}

    internal = "[data-project='Internal']"
    await page.fill(f"{internal} input[name=name]", "Review")
    await _submit(page, f"{internal} form[action$='/tasks'] button")
    assert offered()["Internal"] == ["Meetings", "Review"]
    await _submit(page, f"{internal} [data-task='Review'] button:text('archive')")
    assert offered()["Internal"] == ["Meetings"]
    await _submit(page, f"{internal} [data-task='Review'] button:text('restore')")
    assert offered()["Internal"] == ["Meetings", "Review"]
    await _submit(page, f"{internal} button:text('Archive project')")
    assert "Internal" not in offered()
    assert "Archived" in await page.locator(internal).text_content()
    await page.screenshot(
        path=str(ARTIFACTS / f"admin-projects-{asite.database}.png"), full_page=True
    )
    await _submit(page, f"{internal} button:text('Restore project')")
    assert "Internal" in offered()
    await context.close()
