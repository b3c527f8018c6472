"""Your data: a person starts an export of their own data from the page; a
refused export (the per-person export limit) answers the page itself in HTML
with the reason, not a JSON body a browser would show as text. On SQLite and
PostgreSQL."""

from __future__ import annotations

from tests.integration.reports.helpers import person
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import register


async def test_export_started_then_refused_in_words(client) -> None:
    owner = await register(client)
    mia = await person(owner, "Mia Member")
    csrf = await web_sign_in(client, mia.email)
    page = await client.get("/app/account/data")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]

    r = await post_form(client, csrf, "/app/account/data/export")
    assert r.status_code == 303 and r.headers["location"] == "/app/account/data?ok=1"
    assert "Export started" in (await client.get(r.headers["location"])).text

    refused = None
    for _ in range(25):  # the default limit is 20 an hour per person
        r = await post_form(client, csrf, "/app/account/data/export")
        if r.status_code != 303:
            refused = r
            break
    assert refused is not None, "the export limit never refused"
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "<html" in refused.text.lower() and "exports" in refused.text
