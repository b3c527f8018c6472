"""The Integrations settings pages for ADMIN/OWNER: connect Toggl, Clockify or
Tempo (checked with the provider), upload a CSV export, map people and
projects, run now or dry run, watch a run's progress, read the history.

Every form is CSRF-checked and calls the same service functions as the JSON
API (`server/integrations`); a refused form re-renders with the reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable
from typing import Any, Literal, cast

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, DomainError, Forbidden
from server.core.ids import path_uuid
from server.db.models import Activity, Project, User
from server.http.body_limits import body
from server.http.deps import client_ip
from server.integrations import conflicts, connections, run_requests, service
from server.integrations.health import health_of
from server.integrations.jobs import context_of
from server.integrations.providers import CONNECTORS
from server.integrations.schemas import IntegrationIn, MappingIn, MappingsIn, ResolveIn, RunIn
from server.integrations.upload import read_multipart, spool_dir
from server.runtime.body_limits import BodyKind
from server.runtime.state import AppState
from server.web.auth_routes import WebUser, check_form
from server.web.routes import page

PROVIDERS = {
    "toggl": "Toggl Track",
    "clockify": "Clockify",
    "tempo": "Tempo (Jira)",
    "jira": "Jira Cloud worklogs (two-way)",
    "zammad": "Zammad time accounting (two-way)",
    "kimai": "Kimai timesheets (two-way)",
}


async def _rolled_back(web: WebUser, session: AsyncSession) -> None:
    """A rollback expires every loaded row; the page reads these two."""
    await session.rollback()
    await session.refresh(web.principal.organization)
    await session.refresh(web.principal.user)


def _admin(web: WebUser) -> None:
    if not web.is_admin:
        raise Forbidden("Integrations are for administrators and owners.")


async def _list_page(
    web: WebUser, session: AsyncSession, error: str | None = None, status: int = 200
) -> Template:
    listing = await service.list_integrations(session, web.principal)
    projects = (
        await session.execute(
            select(Project.id, Project.name)
            .where(Project.organization_id == web.principal.org_id, Project.archived.is_(False))
            .order_by(Project.name)
        )
    ).all()
    tpl = page(
        "integrations.html",
        web,
        nav="settings",
        integrations=listing.items,
        healths={
            str(k): v
            for k, v in (
                await health_of(
                    session, web.principal.org_id, [uuid.UUID(i.id) for i in listing.items]
                )
            ).items()
        },
        providers=PROVIDERS,
        projects=projects,
        error=error,
    )
    tpl.status_code = status
    return tpl


MappingKind = Literal["user", "project", "activity"]


async def _back_to(iid: uuid.UUID, work: Awaitable[object]) -> Redirect:
    """Runs a form's change and returns to the integration's page, with the
    reason of a refusal shown there (not-found and forbidden stay errors)."""
    try:
        await work
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return Redirect(
            f"/app/integrations/{iid}", query_params={"error": exc.detail}, status_code=303
        )
    return Redirect(f"/app/integrations/{iid}", status_code=303)


class IntegrationPages(Controller):
    path = "/app/integrations"

    @get("/")
    async def integrations_page(self, web: WebUser, db_session: AsyncSession) -> Template:
        _admin(web)
        return await _list_page(web, db_session)

    # A refused form answers the page itself: HTML, not the default JSON type.
    @post("/", media_type=MediaType.HTML)
    async def connect(
        self,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Any:
        form = dict(await request.form())
        check_form(web, form, request)
        _admin(web)
        provider = str(form.get("provider", ""))
        cls = CONNECTORS.get(provider)
        settings: dict[str, Any] = {"createProjects": form.get("createProjects") == "on"}
        if form.get("workspaceId"):
            settings["workspaceId"] = str(form["workspaceId"]).strip()
        if form.get("timezone"):
            settings["timezone"] = str(form["timezone"]).strip()
        if form.get("projectId"):
            settings["projectId"] = str(form["projectId"])
        field = cls.credential_fields[-1] if cls else "apiToken"
        credentials = {field: str(form.get("token", ""))}
        for extra in ("email", "webhookSecret"):
            wanted = cls is not None and extra in (
                *cls.credential_fields,
                *cls.optional_credentials,
            )
            if wanted and form.get(extra):
                credentials[extra] = str(form[extra]).strip()
        data = IntegrationIn(
            provider=provider,
            name=str(form.get("name", "")),
            base_url=str(form.get("baseUrl", "")).strip() or None,
            credentials=credentials,
            settings=settings,
        )
        try:
            out = await service.create_integration(
                db_session, web.principal, data, context_of(app_state), client_ip(request)
            )
        except DomainError as exc:
            if exc.status_code in (401, 403):
                raise
            await _rolled_back(web, db_session)
            return await _list_page(web, db_session, exc.detail, exc.status_code)
        return Redirect(f"/app/integrations/{out.id}", status_code=303)

    @post("/csv", media_type=MediaType.HTML, opt=body(BodyKind.STREAMED))
    async def upload_csv(
        self,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Any:
        _admin(web)
        ctx = context_of(app_state)
        limit = app_state.settings.security.import_max_bytes
        upload = await read_multipart(
            request.headers.get("content-type", ""),
            request.headers.get("content-length"),
            request.stream(),
            limit,
            spool_dir(ctx.data_dir),
        )
        assert upload.file is not None
        try:
            check_form(web, upload.fields, request)
            zone = upload.fields.get("timezone")
            options = {"timezone": zone} if zone else {}
            accepted = await run_requests.upload_csv(
                db_session,
                web.principal,
                ctx,
                file=upload.file,
                fmt=upload.fields.get("format", "toggl"),
                mapping=upload.fields.get("mapping") or None,
                options=json.dumps(options),
                dry_run=upload.fields.get("dryRun") == "on",
                integration_id=None,
                max_bytes=limit,
                ip=client_ip(request),
            )
        except DomainError as exc:
            if exc.status_code in (401, 403):
                raise
            await _rolled_back(web, db_session)
            return await _list_page(web, db_session, exc.detail, exc.status_code)
        finally:
            upload.file.close()
        run = await run_requests.get_run(db_session, web.principal, uuid.UUID(accepted.id))
        return Redirect(f"/app/integrations/{run.integration_id}", status_code=303)

    @get("/{integration_id:str}")
    async def integration_page(
        self, integration_id: str, web: WebUser, db_session: AsyncSession, error: str = ""
    ) -> Template:
        _admin(web)
        iid = path_uuid(integration_id, "integration")
        p = web.principal
        integration = service.integration_out(await service.get_integration(db_session, p, iid))
        mappings = await service.get_mappings(db_session, p, iid)
        runs = (await run_requests.list_runs(db_session, p, iid, limit=20)).items
        members = (
            await db_session.execute(
                select(User.id, User.name, User.email)
                .where(User.organization_id == p.org_id, User.active)
                .order_by(User.name)
            )
        ).all()
        projects = (
            await db_session.execute(
                select(Project.id, Project.name)
                .where(Project.organization_id == p.org_id, Project.archived.is_(False))
                .order_by(Project.name)
            )
        ).all()
        activities = (
            await db_session.execute(
                select(Activity.id, Activity.name)
                .where(Activity.organization_id == p.org_id)
                .order_by(Activity.name)
            )
        ).all()
        cls = CONNECTORS.get(integration.provider)
        two_way = bool(cls and cls.two_way)
        open_conflicts = (
            (await conflicts.list_conflicts(db_session, p, iid, "open")).items if two_way else []
        )
        active = any(r.status in ("queued", "running") for r in runs)
        connected = (await connections.list_connected(db_session, p, iid)).items if two_way else []
        status = (await health_of(db_session, p.org_id, [iid]))[iid]
        return page(
            "integration.html",
            web,
            nav="settings",
            integration=integration,
            providers=PROVIDERS,
            mappings=mappings,
            runs=runs,
            members=members,
            projects=projects,
            activities=activities,
            two_way=two_way,
            conflicts=open_conflicts,
            connected=connected,
            active=active,
            status=status,
            error=error or None,
        )

    @post("/{integration_id:str}/runs")
    async def run_now(
        self,
        integration_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
        app_state: AppState,
    ) -> Any:
        form = dict(await request.form())
        check_form(web, form, request)
        _admin(web)
        iid = path_uuid(integration_id, "integration")
        data = RunIn(
            dry_run=form.get("dryRun") == "on",
            from_=str(form.get("from") or "") or None,
            to=str(form.get("to") or "") or None,
        )
        return await _back_to(
            iid,
            run_requests.request_run(
                db_session, web.principal, iid, data, context_of(app_state), client_ip(request)
            ),
        )

    @post("/{integration_id:str}/mappings", opt=body(BodyKind.BULK))
    async def save_mappings(
        self,
        integration_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
    ) -> Any:
        form = dict(await request.form())
        check_form(web, form, request)
        _admin(web)
        iid = path_uuid(integration_id, "integration")
        items = []
        for key, value in form.items():
            kind, _, external_id = str(key).partition(":")
            if kind in ("user", "project", "activity") and external_id:
                items.append(
                    MappingIn(
                        kind=cast(MappingKind, kind),
                        external_id=external_id,
                        target_id=str(value) or None,
                    )
                )
        return await _back_to(
            iid,
            service.put_mappings(
                db_session, web.principal, iid, MappingsIn(items=items), client_ip(request)
            ),
        )

    @post("/{integration_id:str}/conflicts/{conflict_id:str}/resolve")
    async def resolve_conflict(
        self,
        integration_id: str,
        conflict_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
    ) -> Any:
        form = dict(await request.form())
        check_form(web, form, request)
        _admin(web)
        iid = path_uuid(integration_id, "integration")
        keep = str(form.get("keep", ""))
        if keep not in ("hubnity", "remote"):
            raise BadRequest("keep must be hubnity or remote")
        return await _back_to(
            iid,
            conflicts.resolve_conflict(
                db_session,
                web.principal,
                path_uuid(conflict_id, "conflict"),
                ResolveIn(keep="hubnity" if keep == "hubnity" else "remote"),
                client_ip(request),
            ),
        )

    @post("/{integration_id:str}/delete")
    async def remove(
        self,
        integration_id: str,
        request: Request[Any, Any, Any],
        web: WebUser,
        db_session: AsyncSession,
    ) -> Any:
        form = dict(await request.form())
        check_form(web, form, request)
        _admin(web)
        await service.delete_integration(
            db_session, web.principal, path_uuid(integration_id, "integration"), client_ip(request)
        )
        return Redirect("/app/integrations", status_code=303)
