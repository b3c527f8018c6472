"""HTTP routes of data rights: a person's data export and erase, job status and
the export's signed download, re-blur of stored screenshots (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import NotFound
from server.core.ids import path_uuid
from server.http.deps import client_ip, public_base_url
from server.rights import service
from server.rights.schemas import EraseRequest, RightsJobAccepted, RightsJobOut
from server.runtime.state import AppState
from server.security.limits import enforce

JOBS_PATH = "/api/v1/rights-jobs"


def _accepted(job: Any) -> Response[RightsJobAccepted]:
    url = f"{JOBS_PATH}/{job.id}"
    return Response(
        RightsJobAccepted(job_id=str(job.id), status_url=url),
        status_code=HTTP_202_ACCEPTED,
        headers={"Location": url},
    )


class DataRightsController(Controller):
    path = "/api/v1"
    tags = ["data rights"]

    @post("/members/{member_id:str}/data-export", status_code=HTTP_202_ACCEPTED)
    async def data_export(
        self,
        member_id: str,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> Response[RightsJobAccepted]:
        await enforce(
            app_state,
            f"export:{principal.user_id}",
            app_state.settings.security.export_rate,
            "exports; wait for the running ones",
        )
        job = await service.request_data_export(
            db_session, principal, path_uuid(member_id, "member"), client_ip(request)
        )
        await service.start(app_state, job)
        return _accepted(job)

    @post("/members/{member_id:str}/erase", status_code=HTTP_202_ACCEPTED)
    async def erase(
        self,
        member_id: str,
        data: EraseRequest,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> Response[RightsJobAccepted]:
        job = await service.request_erase(
            db_session,
            principal,
            path_uuid(member_id, "member"),
            data.confirm_email,
            client_ip(request),
        )
        await service.start(app_state, job)
        return _accepted(job)

    @post("/screenshots/reblur", status_code=HTTP_202_ACCEPTED)
    async def reblur(
        self,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> Response[RightsJobAccepted]:
        job = await service.request_reblur(db_session, principal, client_ip(request))
        await service.start(app_state, job)
        return _accepted(job)

    @get("/rights-jobs/{job_id:str}")
    async def job_status(
        self,
        job_id: str,
        db_session: AsyncSession,
        principal: Principal,
        app_state: AppState,
        request: Request[Any, Any, Any],
    ) -> RightsJobOut:
        job = await service.get_job(db_session, principal, job_id)
        query = service.download_query(app_state.settings.security.jwt_secret, job)
        url = f"{public_base_url(request)}{JOBS_PATH}/{job.id}/download?{query}" if query else None
        return service.job_out(job, url)

    @get("/rights-jobs/{job_id:str}/download")
    async def download(
        self,
        job_id: str,
        db_session: AsyncSession,
        app_state: AppState,
        exp: str | None = None,
        sig: str | None = None,
    ) -> Stream:
        """Authorized by the signature alone (the link expires in minutes)."""
        job = await service.signed_export(
            db_session, app_state.settings.security.jwt_secret, job_id, exp, sig
        )
        if app_state.storage is None or job.storage_key is None:
            raise NotFound("export file")
        return Stream(
            app_state.storage.iter_bytes(job.storage_key),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="hubnity-data-{job.id}.zip"',
                "Cache-Control": "private, no-store",
            },
        )
