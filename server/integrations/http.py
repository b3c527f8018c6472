"""The one HTTP client every connector talks through (httpx).

- Timeouts on connect and read (a provider that hangs cannot hang a run).
- Network errors and 5xx are retried with exponential backoff and full jitter
  (AWS Architecture Blog, "Exponential Backoff And Jitter").
- 429 waits what `Retry-After` says (seconds or an HTTP date); Toggl's quota
  402 waits `X-Toggl-Quota-Resets-In`; Jira's `X-RateLimit-Reset` (ISO instant)
  is honoured too. Without a hint, the backoff above applies.
- Every wait comes out of one time budget per run: when the budget cannot
  cover a wait, the call fails at once with a readable reason instead of
  sleeping past it.
- A non-JSON answer where JSON was expected (an HTML login or error page) is a
  readable failure, not a parser traceback.

Credentials go in the client's headers/auth only; nothing here logs them
(errors carry the method, the path and the provider's reason, never headers).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from server.observability.logging import log

_RETRY_STATUSES = frozenset({500, 502, 503, 504})


class ProviderError(Exception):
    """The provider refused or failed a call; `reason` is fit to show a person."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BudgetExceeded(ProviderError):
    """The run's time budget cannot cover the next wait or attempt."""


def _reason(response: httpx.Response) -> str:
    """The provider's own words for a failure, shortened."""
    text = response.text.strip()
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("message", "error_message", "error", "detail", "errorMessages", "errors"):
                if body.get(key):
                    value = body[key]
                    text = value if isinstance(value, str) else str(value)
                    break
        elif isinstance(body, str):
            text = body
    elif "html" in ctype:
        text = "an HTML page"
    return " ".join(text.split())[:300] or response.reason_phrase


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The wait a 429/402/503 asks for, from the headers providers use."""
    now = now or datetime.now(UTC)
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            return max(float(value), 0.0)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value else None
            if when is not None:
                return max((when - now).total_seconds(), 0.0)
    quota = headers.get("x-toggl-quota-resets-in")
    if quota:
        try:
            return max(float(quota), 0.0)
        except ValueError:
            pass
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            return max((when - now).total_seconds(), 0.0)
        except ValueError:
            pass
    return None


class ProviderHttp:
    """An httpx client with the retry, rate-limit and budget rules above.

    `transport` lets tests and the bench reuse one connection pool; `sleep`
    and `clock` are there so the rules can be unit-tested without waiting.
    """

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        budget_seconds: float = 1800.0,
        timeout: httpx.Timeout | None = None,
        max_retries: int = 5,
        max_rate_limit_waits: int = 20,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": "Hubnity-Integrations/1", **(headers or {})},
            auth=auth,
            timeout=timeout or httpx.Timeout(30.0, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )
        self._clock = clock
        self._sleep = sleep
        self._deadline = clock() + budget_seconds
        self._max_retries = max_retries
        self._max_waits = max_rate_limit_waits
        self._base = backoff_base
        self._cap = backoff_cap
        self.requests = 0
        self.rate_limited = 0

    async def __aenter__(self) -> ProviderHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _remaining(self) -> float:
        return self._deadline - self._clock()

    async def _wait(self, seconds: float, why: str) -> None:
        if seconds > self._remaining():
            raise BudgetExceeded(
                f"{self.provider}: {why}; waiting {seconds:.0f} s would pass the run's time budget"
            )
        log.info("integration wait", provider=self.provider, seconds=round(seconds, 2), why=why)
        await self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self._cap, self._base * 2**attempt))

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> httpx.Response:
        failures = 0
        waits = 0
        while True:
            if self._remaining() <= 0:
                raise BudgetExceeded(f"{self.provider}: the run's time budget is used up")
            timeout = max(min(self._remaining(), 30.0), 0.1)
            try:
                self.requests += 1
                response = await self._client.request(
                    method, url, params=params, json=json, timeout=timeout
                )
            except httpx.TransportError as exc:
                failures += 1
                what = type(exc).__name__
                if failures > self._max_retries:
                    raise ProviderError(
                        f"{self.provider} cannot be reached ({what}) after {failures} attempts"
                    ) from None
                await self._wait(self._backoff(failures), f"network error ({what})")
                continue
            status = response.status_code
            if status in ok:
                return response
            if status == 429 or (status == 402 and "x-toggl-quota-resets-in" in response.headers):
                self.rate_limited += 1
                waits += 1
                if waits > self._max_waits:
                    raise ProviderError(
                        f"{self.provider} kept answering {status} (rate limit)", status=status
                    )
                hint = retry_after_seconds(response.headers)
                await self._wait(
                    hint if hint is not None else self._backoff(waits),
                    f"rate limited ({status})",
                )
                continue
            if status in _RETRY_STATUSES:
                failures += 1
                if failures > self._max_retries:
                    raise ProviderError(
                        f"{self.provider} answered {status} {_reason(response)} "
                        f"after {failures} attempts",
                        status=status,
                    )
                hint = retry_after_seconds(response.headers) if status == 503 else None
                await self._wait(
                    hint if hint is not None else self._backoff(failures), f"server error {status}"
                )
                continue
            raise ProviderError(
                f"{self.provider} answered {status}: {_reason(response)}", status=status
            )

    async def get_json(self, url: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return decode_json(await self.request("GET", url, params=params), self.provider)

    async def post_json(
        self, url: str, body: Any, *, params: Mapping[str, Any] | None = None
    ) -> tuple[Any, httpx.Response]:
        response = await self.request("POST", url, params=params, json=body)
        return decode_json(response, self.provider), response


def decode_json(response: httpx.Response, provider: str) -> Any:
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype:
        kind = ctype.split(";")[0] or "no content type"
        raise ProviderError(
            f"{provider} answered {kind} instead of JSON (is the base URL right?)",
            status=response.status_code,
        )
    try:
        # msgspec: several times faster than httpx's json.loads on import pages.
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        raise ProviderError(f"{provider} answered malformed JSON") from None
