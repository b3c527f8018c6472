"""The organization's tracking policy (what agents obey)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.auth.principal import Principal
from server.auth.service import validate_timezone
from server.core.errors import BadRequest
from server.db.models import Organization
from server.policy.schemas import BOUNDS, PolicyPatch
from shared.enums import AppTracking, ManualTimeApproval
from shared.redaction import BadPattern, compile_patterns
from shared.schemas import TrackingPolicy


def policy_of(org: Organization) -> TrackingPolicy:
    return TrackingPolicy(
        screenshot_interval_seconds=org.screenshot_interval_seconds,
        blur_level=org.blur_level,
        idle_timeout_seconds=org.idle_timeout_seconds,
        screenshots_enabled=org.screenshots_enabled,
        allow_screenshot_delete=org.allow_screenshot_delete,
        screenshot_delete_window_minutes=org.screenshot_delete_window_minutes,
        timezone=org.timezone,
        weekly_limit_seconds=org.weekly_limit_seconds,
        notify_on_screenshot=org.notify_on_screenshot,
        app_tracking=AppTracking(org.app_tracking),
        redaction_patterns=list(org.redaction_patterns or []),
        manual_time_approval=org.manual_time_approval,
    )


async def update_policy(
    session: AsyncSession, principal: Principal, patch: PolicyPatch, ip: str
) -> TrackingPolicy:
    principal.require_admin()
    org = await session.get(Organization, principal.org_id)
    assert org is not None
    changes: dict[str, object] = {}
    for field in PolicyPatch.__struct_fields__:
        value = getattr(patch, field)
        if value is None:
            continue
        if field in BOUNDS:  # the API refuses these on decode; the web form lands here
            low, high = BOUNDS[field]
            if not low <= value <= high:
                raise BadRequest(f"{field} must be between {low} and {high}")
        if field == "timezone":
            value = validate_timezone(value)
        if field == "weekly_limit_seconds" and value == 0:
            value = None
        if field == "redaction_patterns":
            try:
                compile_patterns(value)
            except BadPattern as exc:
                raise BadRequest(str(exc)) from None
        if field == "app_tracking":
            value = AppTracking(value).value
        if field == "manual_time_approval":
            value = ManualTimeApproval(value).value
        changes[field] = value if not isinstance(value, list) else list(value)
        setattr(org, field, value)
    if changes:
        audit.record(
            session,
            "policy.updated",
            organization_id=org.id,
            actor_id=principal.user_id,
            ip=ip,
            **{k: str(v) for k, v in changes.items()},
        )
    await session.commit()
    return policy_of(org)
