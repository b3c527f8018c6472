"""Webhook deliveries (Zammad): verified, deduplicated, turned into a run.

Zammad signs each delivery with the webhook's signature token:
`X-Hub-Signature: sha1=<hex HMAC-SHA1(token, raw body)>`, and names it with
`X-Zammad-Delivery` (docs.zammad.org, "Webhook"). Here: an unknown
integration (or one that takes no webhooks) → 404; a missing or wrong
signature, or no secret configured → 401 (compared in constant time); a
delivery id seen before → nothing happens. The webhook only queues a run for
the ticket in the payload (`ticket.id`); the job does the work.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, NotFound, Unauthorized
from server.db.models import Integration, WebhookDelivery
from server.integrations.credentials import unseal
from server.integrations.run_requests import queue_ticket_run
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
    run_id = await queue_ticket_run(session, ctx, integration, [ticket])
    await session.commit()  # the delivery is remembered even when a run was busy
    return WebhookAccepted(
        status="queued" if run_id else "busy", run_id=str(run_id) if run_id else None
    )
