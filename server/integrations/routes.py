"""HTTP routes for /api/v1/integrations, /api/v1/integration-runs, /api/v1/imports/csv."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.ids import path_uuid
from server.http.body_limits import body, token_before_body
from server.http.deps import client_ip
from server.http.openapi import ERRORS, MULTIPART
from server.integrations import conflicts, run_requests, service, webhooks
from server.integrations.csv_form import IMPORT_FORM
from server.integrations.jobs import context_of
from server.integrations.schemas import (
    ConflictList,
    ConflictOut,
    IntegrationIn,
    IntegrationList,
    IntegrationOut,
    IntegrationPatch,
    MappingsIn,
    MappingsOut,
    ResolveIn,
    RunAccepted,
    RunIn,
    RunList,
    RunOut,
    WebhookAccepted,
)
from server.integrations.service import IntegrationsContext
from server.integrations.upload import read_multipart, spool_dir
from server.runtime.body_limits import BodyKind
from server.runtime.state import AppState


def _ctx(app_state: AppState) -> IntegrationsContext:
    return context_of(app_state)


class IntegrationsController(Controller):
    path = "/api/v1/integrations"
    tags = ["integrations"]

    @get("/")
    async def list_integrations(
        self, db_session: AsyncSession, principal: Principal
    ) -> IntegrationList:
        return await service.list_integrations(db_session, principal)

    @post("/", status_code=HTTP_201_CREATED, opt={ERRORS: [422]})
    async def create_integration(
        self,
        data: IntegrationIn,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> IntegrationOut:
        """Checks the credentials with one cheap call: 422 with the provider's reason."""
        return await service.create_integration(
            db_session, principal, data, _ctx(app_state), client_ip(request)
        )

    @get("/{integration_id:str}")
    async def get_integration(
        self, integration_id: str, db_session: AsyncSession, principal: Principal
    ) -> IntegrationOut:
        uid = path_uuid(integration_id, "integration")
        return service.integration_out(await service.get_integration(db_session, principal, uid))

    @patch("/{integration_id:str}", opt={ERRORS: [422]})
    async def update_integration(
        self,
        integration_id: str,
        data: IntegrationPatch,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> IntegrationOut:
        return await service.update_integration(
            db_session,
            principal,
            path_uuid(integration_id, "integration"),
            data,
            _ctx(app_state),
            client_ip(request),
        )

    @delete("/{integration_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def delete_integration(
        self,
        integration_id: str,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> None:
        await service.delete_integration(
            db_session, principal, path_uuid(integration_id, "integration"), client_ip(request)
        )

    @get("/{integration_id:str}/mappings")
    async def get_mappings(
        self, integration_id: str, db_session: AsyncSession, principal: Principal
    ) -> MappingsOut:
        return await service.get_mappings(
            db_session, principal, path_uuid(integration_id, "integration")
        )

    # Up to 5,000 items: the token is checked before such a body is read.
    @put(
        "/{integration_id:str}/mappings",
        opt=body(BodyKind.BULK),
        before_request=token_before_body,
    )
    async def put_mappings(
        self,
        integration_id: str,
        data: MappingsIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> MappingsOut:
        return await service.put_mappings(
            db_session,
            principal,
            path_uuid(integration_id, "integration"),
            data,
            client_ip(request),
        )

    @post("/{integration_id:str}/runs", status_code=HTTP_202_ACCEPTED)
    async def request_run(
        self,
        integration_id: str,
        data: RunIn,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> RunAccepted:
        return await run_requests.request_run(
            db_session,
            principal,
            path_uuid(integration_id, "integration"),
            data,
            _ctx(app_state),
            client_ip(request),
        )

    @get("/{integration_id:str}/runs")
    async def list_runs(
        self, integration_id: str, db_session: AsyncSession, principal: Principal
    ) -> RunList:
        return await run_requests.list_runs(
            db_session, principal, path_uuid(integration_id, "integration")
        )

    @get("/{integration_id:str}/conflicts")
    async def list_conflicts(
        self,
        integration_id: str,
        db_session: AsyncSession,
        principal: Principal,
        status: Literal["open", "resolved", "applied"] | None = None,
    ) -> ConflictList:
        """Two-way conflicts (both sides changed); `status=open|resolved|applied`."""
        return await conflicts.list_conflicts(
            db_session, principal, path_uuid(integration_id, "integration"), status
        )

    @post(
        "/{integration_id:str}/webhook",
        status_code=HTTP_202_ACCEPTED,
        opt=body(BodyKind.WEBHOOK),
    )
    async def webhook(
        self,
        integration_id: str,
        db_session: AsyncSession,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> WebhookAccepted:
        """Zammad's webhook: `X-Hub-Signature: sha1=...` over the raw body (401
        otherwise), `X-Zammad-Delivery` deduplicated; queues a run for the ticket."""
        return await webhooks.receive(
            db_session,
            _ctx(app_state),
            path_uuid(integration_id, "integration"),
            await request.body(),
            request.headers.get("x-hub-signature"),
            request.headers.get("x-zammad-delivery"),
        )


class IntegrationConflictsController(Controller):
    path = "/api/v1/integration-conflicts"
    tags = ["integrations"]

    @post("/{conflict_id:str}/resolve", status_code=HTTP_200_OK)
    async def resolve(
        self,
        conflict_id: str,
        data: ResolveIn,
        db_session: AsyncSession,
        principal: Principal,
        request: Request[Any, Any, Any],
    ) -> ConflictOut:
        """`keep: hubnity|remote`; the next run writes the choice."""
        return await conflicts.resolve_conflict(
            db_session,
            principal,
            path_uuid(conflict_id, "conflict"),
            data,
            client_ip(request),
        )


class IntegrationRunsController(Controller):
    path = "/api/v1/integration-runs"
    tags = ["integrations"]

    @get("/{run_id:str}")
    async def get_run(self, run_id: str, db_session: AsyncSession, principal: Principal) -> RunOut:
        return await run_requests.get_run(db_session, principal, path_uuid(run_id, "run"))


class ImportsController(Controller):
    path = "/api/v1/imports"
    tags = ["integrations"]

    @post(
        "/csv",
        status_code=HTTP_202_ACCEPTED,
        opt={MULTIPART: IMPORT_FORM, **body(BodyKind.STREAMED)},
    )
    async def upload_csv(
        self,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> RunAccepted:
        """multipart/form-data: `file`, `format` (toggl|clockify|generic), `mapping`
        (JSON), `options` (JSON), `dryRun`, `integrationId`. Streamed to disk;
        over IMPORT_MAX_BYTES → 413."""
        principal.require_admin()
        ctx = _ctx(app_state)
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
            fields = upload.fields
            return await run_requests.upload_csv(
                db_session,
                principal,
                ctx,
                file=upload.file,
                fmt=fields.get("format", "generic").strip().lower(),
                mapping=fields.get("mapping"),
                options=fields.get("options"),
                dry_run=fields.get("dryRun", "").strip().lower() in ("1", "true", "yes", "on"),
                integration_id=fields.get("integrationId") or None,
                max_bytes=limit,
                ip=client_ip(request),
            )
        finally:
            upload.file.close()
