"""Executing one run: the job body, shared by the in-process runner and arq.

1. Claim: queued → running, only if no other run of the integration is
   running (the integration row is locked while deciding on PostgreSQL;
   SQLite has one writer); else it stays queued and the running run starts
   it when it ends. A second delivery of the job finds it not queued and
   does nothing.
2. Window: explicit from/to; else the first run reads `initialDays` (90) back;
   later runs start from the high-water mark: providers with an updated-since
   filter (Tempo) ask for changes since it, the others re-read `lookbackDays`
   (7) before it.
3. Pages: fetched one at a time, applied and committed with the run's counts
   and progress (a failure leaves whole pages). Per-record problems become
   errors on the run, never a stop.
4. End: a complete window run removes stored records the window no longer
   holds (deleted at the provider); the high-water mark moves to this run's
   start; status done. Any provider failure → status failed with its reason,
   the mark unchanged, pages already committed kept (the detail says how many).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import audit
from server.core.outages import outage_of
from server.db.base import utcnow
from server.db.models import Integration, IntegrationRun
from server.integrations import csv_clockify, csv_toggl
from server.integrations import import_writes as writes
from server.integrations.base import Page, Window
from server.integrations.credentials import unseal
from server.integrations.csv_generic import read_pages
from server.integrations.csv_read import CsvError
from server.integrations.http import ProviderError
from server.integrations.importer import Counts, PageImporter
from server.integrations.providers import build_connector, is_file_format
from server.integrations.push import run_two_way
from server.integrations.resolver import Resolver
from server.integrations.twoway import Sync
from server.integrations.writers import Writers
from server.observability.logging import log
from server.security.secretbox import Keyring, SecretError

ACTIVE = ("queued", "running")
CSV_PRESETS = {"csv_toggl": csv_toggl, "csv_clockify": csv_clockify}


def plan_window(integration: Integration, run: IntegrationRun, now: datetime) -> Window:
    settings = integration.settings or {}
    if run.range_from is not None or run.range_to is not None:
        start = run.range_from or now - timedelta(days=int(settings.get("initialDays") or 90))
        return Window(start, run.range_to or now + timedelta(days=1))
    if integration.cursor is None:
        return Window(
            now - timedelta(days=int(settings.get("initialDays") or 90)), now + timedelta(days=1)
        )
    mark = datetime.fromisoformat(integration.cursor)
    return Window(
        mark - timedelta(days=int(settings.get("lookbackDays") or 7)), now + timedelta(days=1)
    )


async def _claim(session: AsyncSession, run_id: uuid.UUID) -> IntegrationRun | None:
    run = await session.get(IntegrationRun, run_id)
    if run is None or run.status != "queued":
        return None
    # Serializes the decision per integration with other claims and with
    # webhooks adding tickets to a queued run (no-op on SQLite: one writer).
    await session.execute(
        select(Integration.id).where(Integration.id == run.integration_id).with_for_update()
    )
    await session.refresh(run)  # its status and tickets as of the lock
    if run.status != "queued":
        return None
    busy = (
        await session.execute(
            select(IntegrationRun.id).where(
                IntegrationRun.integration_id == run.integration_id,
                IntegrationRun.status == "running",
                IntegrationRun.id != run_id,
            )
        )
    ).first()
    if busy is not None:
        # Stays queued: the running one starts it when it ends (next_queued).
        await session.rollback()
        return None
    run.status, run.started_at = "running", utcnow()
    await session.commit()
    return run


async def next_queued(session: AsyncSession, integration_id: uuid.UUID) -> uuid.UUID | None:
    """The run waiting for this integration's run to end (a webhook delivery
    that came meanwhile), oldest first."""
    # After a webhook that saw this run still running has committed its run.
    await session.execute(
        select(Integration.id).where(Integration.id == integration_id).with_for_update()
    )
    waiting = (
        await session.execute(
            select(IntegrationRun.id)
            .where(
                IntegrationRun.integration_id == integration_id,
                IntegrationRun.status == "queued",
            )
            .order_by(IntegrationRun.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    await session.commit()
    return waiting


async def _csv_pages(run: IntegrationRun, provider: str, data_dir: Path) -> AsyncIterator[Page]:
    preset = CSV_PRESETS.get(provider)
    options = {**(preset.OPTIONS if preset else {}), **(run.options.get("options") or {})}
    mapping = preset.MAPPING if preset else (run.options.get("mapping") or {})
    path = data_dir / str(run.upload_path)
    pages: Iterator[Page] = read_pages(path, mapping, options)
    while True:
        # Parsing is CPU work on a file: off the event loop, one page at a time.
        page = await asyncio.to_thread(next, pages, None)
        if page is None:
            return
        yield page


async def execute_run(
    sessions: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    run_id: uuid.UUID,
    data_dir: Path,
    transport: Any = None,
) -> uuid.UUID | None:
    """Runs it; answers the run waiting for it to end, if any (to enqueue)."""
    # One connection for the whole run: a window run's seen ids live in a
    # temporary table of it (commits per page keep the connection).
    engine = sessions.kw["bind"]
    async with engine.connect() as connection, sessions(bind=connection) as session:
        try:
            return await _execute(sessions, session, keyring, run_id, data_dir, transport)
        finally:
            await session.rollback()
            async with session.begin():
                await writes.close_seen(session)


async def _execute(
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    keyring: Keyring,
    run_id: uuid.UUID,
    data_dir: Path,
    transport: Any,
) -> uuid.UUID | None:
    run = await _claim(session, run_id)
    if run is None:
        return None
    integration = await session.get(Integration, run.integration_id)
    assert integration is not None  # cascades with its runs
    started = run.started_at or utcnow()
    counts, errors = Counts(), list[dict[str, Any]]()
    importer: PageImporter | None = None
    window = plan_window(integration, run, started)
    complete = two_way = False
    connector = None
    writers: Writers | None = None
    try:
        resolver = await Resolver.load(session, integration, dry_run=run.dry_run)
        importer = PageImporter(
            session, resolver, run.id, dry_run=run.dry_run, counts=counts, errors=errors
        )
        if is_file_format(integration.provider):
            pages: AsyncIterator[Page] = _csv_pages(run, integration.provider, data_dir)
        else:
            connector = build_connector(
                integration.provider,
                integration.base_url,
                unseal(integration, keyring),
                integration.settings,
                budget_seconds=float(integration.settings.get("budgetSeconds") or 1800),
                transport=transport,
            )
            if connector.two_way:
                writers = Writers(sessions, keyring, integration, connector, transport)
                sync = Sync(session, integration, run, connector, resolver, writers=writers)
                await run_two_way(sync, started)
                pages = _no_pages()
                counts, errors = sync.counts, sync.errors
                two_way = True
            else:
                for ref in await connector.list_users():
                    resolver.learn_user(ref)
                for ref in await connector.list_projects():
                    resolver.project(ref, dry_run=True)  # learn names, create nothing yet
                cursor = integration.cursor
                if (
                    cursor
                    and run.range_from is None
                    and connector.incremental(datetime.fromisoformat(cursor))
                ):
                    mark = datetime.fromisoformat(cursor) - timedelta(minutes=5)
                    window = Window(started - timedelta(days=3660), window.end, mark)
                pages = connector.list_entries(window)
        importer.mark_seen = window.updated_since is None and not is_file_format(
            integration.provider
        )
        if importer.mark_seen:
            await writes.open_seen(session)
        async for page in _prefetched(pages):
            await importer.apply(page)
            run.counts, run.errors = counts.as_dict(), list(errors)
            run.pages_done += 1
            if page.total_pages:
                run.pages_total = page.total_pages
            await session.commit()  # a dry run holds nothing else to write
        complete = True
    except (ProviderError, CsvError, SecretError) as exc:
        await session.rollback()
        await session.refresh(integration)
        run = await session.get(IntegrationRun, run_id)
        assert run is not None
        written = "" if run.dry_run else f" ({run.pages_done} page(s) before it were written)"
        run.status, run.detail = "failed", f"{exc}{written}"
        log.warning("integration run failed", run_id=str(run_id), reason=str(exc))
    except Exception as exc:  # a bug must not leave the run 'running' for ever
        # A lost database connection was invalidated (server/db/raw_pg.py for
        # the writer's COPY): this rollback lets the next statement reconnect.
        await session.rollback()
        await session.refresh(integration)
        run = await session.get(IntegrationRun, run_id)
        assert run is not None
        outage = outage_of(exc)
        if outage is not None:
            written = "" if run.dry_run else f", {run.pages_done} page(s) before it were written"
            run.status = "failed"
            run.detail = f"{outage} could not be reached mid-run{written}; run it again"
            log.warning("integration run interrupted", run_id=str(run_id), reason=str(exc))
        else:
            run.status, run.detail = "failed", "internal error (see the server log)"
            log.error("integration run crashed", run_id=str(run_id), exc_info=exc)
    finally:
        if connector is not None:
            await connector.http.aclose()
        if writers is not None:
            await writers.aclose()
    if complete and two_way:
        if run.dry_run:
            await session.rollback()  # a dry run writes nothing
            await session.refresh(integration)
            run = await session.get(IntegrationRun, run_id) or run
        else:
            integration.cursor = started.isoformat()
        run.counts, run.errors, run.status = counts.as_dict(), list(errors), "done"
    elif complete and importer is not None:
        await _finish(session, integration, run, window, importer, started)
    run.finished_at = utcnow()
    if run.upload_path:  # the uploaded file has served its purpose
        (data_dir / run.upload_path).unlink(missing_ok=True)
    audit.record(
        session,
        "integration.run_finished",
        organization_id=integration.organization_id,
        target_type="integration",
        target_id=integration.id,
        run_id=str(run.id),
        status=run.status,
        counts=run.counts,
    )
    await session.commit()
    return await next_queued(session, integration.id)


async def _finish(
    session: AsyncSession,
    integration: Integration,
    run: IntegrationRun,
    window: Window,
    importer: PageImporter,
    started: datetime,
) -> None:
    file_run = is_file_format(integration.provider)
    if not file_run and window.updated_since is None:
        stale = await writes.stale_records(
            session, integration.id, window.start, window.end, run.id
        )
        importer.counts.deleted += len(stale)
        if not run.dry_run and stale:
            await writes.remove_records(session, stale)
    run.counts, run.errors = importer.counts.as_dict(), list(importer.errors)
    run.status = "done"
    if not run.dry_run:
        if not file_run and run.range_from is None and run.range_to is None:
            integration.cursor = started.isoformat()
        importer.resolver.flush_into(session)


async def _prefetched(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """The pages, the next one fetched and parsed while this one is written:
    the provider's answer, JSON and normalizing overlap the database's work.
    At most two pages are held; a provider failure surfaces where it would
    have (after the page before it is committed)."""
    ahead: asyncio.Future[Page | None] = asyncio.ensure_future(anext(pages, None))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(anext(pages, None))
            yield page
    finally:
        if not ahead.done():
            ahead.cancel()
        elif not ahead.cancelled():
            ahead.exception()  # retrieved: the run already fails for its own reason


async def _no_pages() -> AsyncIterator[Page]:
    return
    yield
