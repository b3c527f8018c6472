"""Webhook deliveries (Zammad): verified, deduplicated, turned into a run.

Zammad signs each delivery with the webhook's signature token:
`X-Hub-Signature: sha1=<hex HMAC-SHA1(token, raw body)>`, and names it with
`X-Zammad-Delivery` (docs.zammad.org, "Webhook"). Here: an unknown
integration (or one that takes no webhooks) → 404; a missing or wrong
signature, or no secret configured → 401 (compared in constant time); a
delivery id seen before → nothing happens. The webhook only queues a run for
the ticket in the payload (`ticket.id`); the job does the work.

A delivery is never dropped: it is stored as a queued run in the same
transaction as its delivery id. While another run of the integration is
queued or running, its ticket joins the waiting webhook run (or starts one
that is not enqueued yet): the run ending starts it (`runs.next_queued`),
and the scheduler's sweep re-enqueues any queued run left behind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, NotFound, Unauthorized
from server.db.models import Integration, IntegrationRun, WebhookDelivery
from server.integrations.credentials import unseal
from server.integrations.run_requests import enqueue
from server.integrations.runs import ACTIVE
from server.integrations.schemas import WebhookAccepted
from server.integrations.service import IntegrationsContext

PROVIDERS = ("zammad",)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha1="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, header[5:].strip().lower())


async def receive(
    session: AsyncSession,
    ctx: IntegrationsContext,
    integration_id: uuid.UUID,
    body: bytes,
    signature: str | None,
    delivery: str | None,
) -> WebhookAccepted:
    integration = await session.get(Integration, integration_id)
    if integration is None or integration.provider not in PROVIDERS:
        raise NotFound("integration")
    secret = unseal(integration, ctx.keyring).get("webhookSecret")
    if not secret or not signature_ok(secret, body, signature):
        raise Unauthorized("the webhook signature is missing or wrong")
    try:
        payload = json.loads(body or b"null")
        ticket = str(int(payload["ticket"]["id"]))
    except (ValueError, KeyError, TypeError):
        raise BadRequest("the payload names no ticket (ticket.id)") from None
    if delivery:
        session.add(WebhookDelivery(integration_id=integration.id, delivery_id=delivery[:128]))
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return WebhookAccepted(status="duplicate")
    run, start_now = await _ticket_run(session, integration, ticket)
    await session.commit()
    if start_now:
        await enqueue(ctx, run)
    return WebhookAccepted(status="queued", run_id=str(run.id))


async def _ticket_run(
    session: AsyncSession, integration: Integration, ticket: str
) -> tuple[IntegrationRun, bool]:
    """The run that will read `ticket`, and whether to enqueue it now (nothing
    else of the integration is queued or running)."""
    # Serializes with a run being claimed (runs._claim takes the same lock).
    await session.execute(
        select(Integration.id).where(Integration.id == integration.id).with_for_update()
    )
    active = list(
        (
            await session.execute(
                select(IntegrationRun)
                .where(
                    IntegrationRun.integration_id == integration.id,
                    IntegrationRun.status.in_(ACTIVE),
                )
                .order_by(IntegrationRun.created_at)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    for run in active:
        tickets = (run.options or {}).get("tickets")
        if run.status == "queued" and run.trigger == "webhook" and tickets is not None:
            if ticket not in tickets:
                run.options = {**run.options, "tickets": [*tickets, ticket]}
            return run, False
    run = IntegrationRun(
        id=uuid.uuid4(),
        organization_id=integration.organization_id,
        integration_id=integration.id,
        trigger="webhook",
        direction="both",
        options={"tickets": [ticket]},
    )
    session.add(run)
    return run, not active
