"""A person resets a forgotten password end to end in Chromium, reading the mail
from a real SMTP server (aiosmtpd), on SQLite and on PostgreSQL; and changes it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.web.accounts_site import MailSite, mail_site
from tests.e2e.web.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NEW_PASSWORD = "river stone lantern 42"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def msite(request: pytest.FixtureRequest) -> Iterator[MailSite]:
    with mail_site(request.param) as site:
        yield site


async def test_forgotten_password_reset_by_mail(browser, msite) -> None:
    email = msite.login_of("alice")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{msite.url}/login")
    await page.click("text=Forgot your password?")
    await page.wait_for_url(f"{msite.url}/forgot")
    await page.fill("input[name=email]", email)
    await page.click("button[type=submit]")
    sent = await page.text_content("[data-testid=reset-sent]")
    assert "If an account uses" in sent and email in sent

    mail = await msite.inbox.wait_for(email)
    assert mail.subject == "Reset your Hubnity password"
    assert mail.message["From"] == "Hubnity <noreply@hubnity.test>"
    assert mail.message.get_body(("html",)) is not None
    link = mail.link("/reset")
    assert link.startswith(msite.url + "/reset?token=")
    await page.screenshot(path=str(ARTIFACTS / f"forgot-sent-{msite.database}.png"))

    await page.goto(link)
    # A common password is refused with the reason, and the link still works after.
    await page.fill("input[name=password]", "Password123!")
    await page.fill("input[name=confirm]", "Password123!")
    await page.click("button[type=submit]")
    assert "common" in await page.text_content("[role=alert]")
    await page.fill("input[name=password]", NEW_PASSWORD)
    await page.fill("input[name=confirm]", NEW_PASSWORD)
    await page.screenshot(path=str(ARTIFACTS / f"reset-form-{msite.database}.png"))
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/login\?done=reset"))
    assert "Your password was changed" in await page.text_content("[role=status]")

    # The old password no longer works; the new one does.
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", msite.password)
    await page.click("button[type=submit]")
    assert "do not match" in await page.text_content("[role=alert]")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", NEW_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{msite.url}/app/time")  # a member lands on My time
    assert "Alice" in await page.text_content(".whoname")

    # The link is single-use.
    other = await browser.new_context()
    p2 = await other.new_page()
    await p2.goto(link)
    await p2.fill("input[name=password]", "another fine passphrase")
    await p2.fill("input[name=confirm]", "another fine passphrase")
    await p2.click("button[type=submit]")
    assert "already used" in await p2.text_content("[role=alert]")
    await other.close()

    # An unknown address reads exactly the same, and no mail goes out.
    await page.goto(f"{msite.url}/forgot")  # signed in or not, the page works
    await page.fill("input[name=email]", "nobody@demo.hubnity.local")
    await page.click("button[type=submit]")
    assert "If an account uses" in await page.text_content("[data-testid=reset-sent]")
    await context.close()
    assert msite.inbox.for_address("nobody@demo.hubnity.local") == []


async def test_change_password_on_the_account_page(browser, msite) -> None:
    email = msite.login_of("bob")
    context, page = await sign_in(browser, msite, email, lands="/app/time")
    # A second browser signed in as the same person is signed out by the change.
    other, other_page = await sign_in(browser, msite, email, lands="/app/time")
    await page.click(".whoname")
    await page.wait_for_url(f"{msite.url}/app/account")
    await page.fill("input[name=current]", "not my password")
    await page.fill("input[name=password]", NEW_PASSWORD)
    await page.fill("input[name=confirm]", NEW_PASSWORD)
    await page.click("form[action='/app/account/password'] button")
    assert "current password is not correct" in await page.text_content("[role=alert]")
    await page.fill("input[name=current]", msite.password)
    await page.fill("input[name=password]", NEW_PASSWORD)
    await page.fill("input[name=confirm]", NEW_PASSWORD)
    await page.click("form[action='/app/account/password'] button")
    assert "Password changed" in await page.text_content("[role=status]")
    await page.screenshot(path=str(ARTIFACTS / f"account-{msite.database}.png"))
    # This browser stays signed in; the other one is sent to the sign-in form.
    await page.goto(f"{msite.url}/app")
    assert page.url == f"{msite.url}/app/time"  # a member's home
    await other_page.goto(f"{msite.url}/app")
    assert "/login" in other_page.url
    await other.close()
    await context.close()
