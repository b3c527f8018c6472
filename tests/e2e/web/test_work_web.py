"""Customers, projects and the task board in Chromium against a real server:
an owner adds them (a refused form explains itself), a member lands on My
time, moves their task with a button and by dragging it."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.web.conftest import ARTIFACTS, sign_in
from tests.e2e.web.test_time_web import DOCS_IMAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(selector)


async def test_owner_builds_the_catalog_and_a_member_moves_their_task(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner)
    await page.click("nav.mainnav a:text('Customers')")
    form = "form[data-testid=customer-form]"
    await page.fill(f"{form} input[name=name]", "Initech")
    await page.fill(f"{form} input[name=rate]", "99.999")
    await _submit(page, f"{form} button[type=submit]")
    assert "more than 2 decimals" in await page.text_content("[data-testid=form-error]")
    assert await page.input_value(f"{form} input[name=name]") == "Initech"
    await page.fill(f"{form} input[name=rate]", "99.90")
    await _submit(page, f"{form} button[type=submit]")
    assert "Customer added." in await page.text_content("main")
    assert "99.90" in await page.text_content("table[data-testid=customers]")

    await page.click("nav.mainnav a:text('Projects')")
    form = "form[data-testid=project-form]"
    await page.fill(f"{form} input[name=name]", "Portal")
    await page.select_option(f"{form} select[name=customer]", label="Initech")
    await page.fill(f"{form} input[name=budget]", "40")
    await _submit(page, f"{form} button[type=submit]")
    row = page.locator("table[data-testid=projects] tr", has_text="Portal")
    assert "Initech" in await row.text_content() and "40h 00m" in await row.text_content()

    await page.click("nav.mainnav a:text('Tasks')")
    form = "form[data-testid=task-form]"
    await page.select_option(f"{form} select[name=project]", label="Portal")
    await page.fill(f"{form} input[name=name]", "Design the header")
    await page.select_option(f"{form} select[name=assignee]", label="Alice Anders")
    await page.select_option(f"{form} select[name=priority]", "urgent")
    await page.fill(f"{form} input[name=estimate]", "2:30")
    await _submit(page, f"{form} button[type=submit]")
    todo = page.locator("[data-testid=column-todo]")
    assert "Design the header" in await todo.text_content()
    await context.close()

    # Alice, a member: her own time first, a nav without manager pages.
    context, page = await sign_in(browser, site, site.login_of("alice"), lands="/app/time")
    assert await page.locator("h1").text_content() == "My time"
    nav = await page.text_content("nav.mainnav")
    assert "Dashboard" not in nav and "Settings" not in nav and "Tasks" in nav
    await page.click("nav.mainnav a:text('Tasks')")
    await page.select_option("select[name=assignee]", "me")
    await _submit(page, "form.filters button[type=submit]")
    card = page.locator(".taskcard", has_text="Design the header")
    await _submit(page, ".taskcard:has-text('Design the header') button:text('Start')")
    progress = page.locator("[data-testid=column-in_progress]")
    assert "Design the header" in await progress.text_content()
    assert "Task moved." in await page.text_content("main")
    # Dragged onto Done: the drop submits the card's own form.
    async with page.expect_navigation():
        await card.drag_to(page.locator("[data-testid=column-done]"))
    assert "Design the header" in await page.locator("[data-testid=column-done]").text_content()
    assert "Design the header" not in await progress.text_content()
    await page.screenshot(path=str(ARTIFACTS / "web-tasks.png"))
    if os.environ.get("HUBNITY_DOCS_IMAGES"):
        shutil.copyfile(ARTIFACTS / "web-tasks.png", DOCS_IMAGES / "web-tasks.png")
    # Tasks of others have no buttons for her.
    await page.select_option("select[name=assignee]", "")
    await _submit(page, "form.filters button[type=submit]")
    other = page.locator(".taskcard", has_text="Landing page")
    assert await other.count() >= 1 and await other.first.locator("button").count() == 0
    await context.close()
