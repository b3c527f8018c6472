"""Someone signs up on the API and finishes in Chromium from the mailed link,
reading the mail from a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.web.accounts_site import MailSite, mail_site
from tests.e2e.web.conftest import ARTIFACTS
from tests.support.signup import LINK_PATH, REGISTER

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "quiet harbour lantern 42"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def msite(request: pytest.FixtureRequest) -> Iterator[MailSite]:
    with mail_site(request.param) as site:
        yield site


def _sign_up(site: MailSite, email: str, organization: str) -> httpx.Response:
    return httpx.post(
        f"{site.url}{REGISTER}",
        json={
            "email": email,
            "name": "Nadia Novak",
            "organizationName": organization,
        },
        timeout=60,
    )


async def test_finish_signing_up_from_the_mailed_link(browser, msite) -> None:
    email = f"nadia-{uuid.uuid4().hex[:6]}@signup.test"
    organization = f"Novak & Co {uuid.uuid4().hex[:4]}"
    r = _sign_up(msite, email, organization)
    assert r.status_code == 202, r.text
    mail = await msite.inbox.wait_for(email)
    assert mail.subject == f"Finish creating {organization} on Hubnity"
    assert mail.message.get_body(("html",)) is not None
    link = mail.link(LINK_PATH)
    assert link.startswith(f"{msite.url}{LINK_PATH}?token=")

    context = await browser.new_context()
    page = await context.new_page()
    response = await page.goto(link)
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    assert f"Finish creating {organization}" in await page.text_content("h1")
    assert email in await page.text_content("main")
    await page.screenshot(path=str(ARTIFACTS / f"signup-confirm-{msite.database}.png"))
    # Two different passwords: the form again, with the reason, the link still good.
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=confirm]", PASSWORD + "x")
    await page.click("button[type=submit]")
    assert "differ" in await page.text_content("[role=alert]")
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=confirm]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{msite.url}/app")  # the owner's dashboard, signed in
    who = await page.text_content(".whoname")
    assert "Nadia Novak" in who and organization in who
    await context.close()

    # The password chosen on the page is the account's.
    r = httpx.post(
        f"{msite.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=60
    )
    assert r.status_code == 200, r.text

    # The link is single-use: the page says so, with no form to send again.
    other = await browser.new_context()
    again = await other.new_page()
    response = await again.goto(link)
    assert response is not None and response.status == 400
    assert "already used or expired" in await again.text_content("[role=alert]")
    assert await again.locator("form[action='/signup/confirm']").count() == 0
    await other.close()


async def test_a_taken_address_and_a_forged_form(browser, msite) -> None:
    # The demo owner's address answers like any other, and gets a note instead.
    free = f"free-{uuid.uuid4().hex[:6]}@signup.test"
    taken_answer = _sign_up(msite, msite.owner, "Copycat Ltd")
    free_answer = _sign_up(msite, free, "Copycat Ltd")
    assert taken_answer.status_code == free_answer.status_code == 202
    assert taken_answer.content == free_answer.content
    note = await msite.inbox.wait_for(msite.owner)
    assert note.subject == "Someone tried to sign up to Hubnity with your address"
    assert note.link("/login").startswith(msite.url) and LINK_PATH not in note.body()

    # A garbage token: the page with the reason, status 400.
    context = await browser.new_context()
    page = await context.new_page()
    response = await page.goto(f"{msite.url}{LINK_PATH}?token=not-a-token")
    assert response is not None and response.status == 400
    assert "invalid" in await page.text_content("[role=alert]")
    await context.close()

    # The confirm form without its CSRF token creates nothing.
    token = (await msite.inbox.wait_for(free)).link(LINK_PATH).split("token=")[1]
    r = httpx.post(
        f"{msite.url}{LINK_PATH}",
        data={"token": token, "password": PASSWORD, "confirm": PASSWORD},
        timeout=60,
        follow_redirects=False,
    )
    assert r.status_code == 403, r.text
    r = httpx.post(
        f"{msite.url}/api/v1/auth/login", json={"email": free, "password": PASSWORD}, timeout=60
    )
    assert r.status_code == 401
