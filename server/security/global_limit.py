"""Optional per-client-IP limit on every request (GLOBAL_RATE_LIMIT).

Litestar's own `RateLimitMiddleware` is not used: its counter is a read, then
a write of a timestamp list guarded by a per-process lock, so replicas sharing
Redis let extra requests through, and its 429 carries no `Retry-After`, which
our clients (the agent) honour. Ours hits the same atomic limiter as every
other limit and answers with the API's error body.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.core.errors import TooManyRequests
from server.runtime.state import AppState

# Handlers with this opt key are never limited (health checks, metrics scrapes).
EXEMPT = "exempt_from_global_limit"


class GlobalRateLimit(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = EXEMPT

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        app_state: AppState | None = getattr(scope["litestar_app"].state, "app_state", None)
        rate = app_state.settings.security.global_rate if app_state else None
        if app_state is not None and rate is not None:
            client = scope.get("client")
            decision = await app_state.limiter.hit(
                f"global:{client[0] if client else 'unknown'}", rate
            )
            if not decision.allowed:
                raise TooManyRequests(
                    decision.retry_after,
                    f"too many requests; retry after {decision.retry_after} s",
                )
        await next_app(scope, receive, send)
