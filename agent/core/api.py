"""HTTP client for the wire contract (docs/api.md), with token refresh.

Errors are sorted by what the caller should do: `NetworkError` and
`ServerBusy` mean retry later, `Rejected` means the server refused this
request for good, `AuthRequired` means the user must sign in again.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import msgspec

from agent.core.backoff import parse_retry_after
from agent.core.credentials import CredentialStore, Tokens
from shared.schemas import (
    ActiveProject,
    LoginRequest,
    Me,
    RefreshRequest,
    ScreenshotUploaded,
    SyncBatch,
    SyncBatchResponse,
    TokenPair,
    TrackingPolicy,
)
from shared.version import __version__


class ApiError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NetworkError(ApiError):
    """The server could not be reached (or did not answer in time)."""


class ServerBusy(ApiError):
    """429 or 5xx: retry later, no sooner than `retry_after` if given."""

    def __init__(self, message: str, status: int, retry_after: float | None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class Rejected(ApiError):
    """A 4xx other than 401/408/429: sending the same thing again will not help."""


class AuthRequired(ApiError):
    """No valid tokens: the refresh token is missing, expired or revoked."""


class ActivePage(msgspec.Struct, rename="camel"):
    items: list[ActiveProject]
    next_cursor: str | None = None


def _detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        if isinstance(body, dict) and body.get("detail"):
            return str(body["detail"])
    except ValueError:
        pass
    return resp.text[:200] or resp.reason_phrase


def normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = "https://" + url
    return url


class ApiClient:
    def __init__(
        self,
        server_url: str,
        store: CredentialStore,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        on_auth_lost: Callable[[], None] | None = None,
    ) -> None:
        self.server_url = normalize_url(server_url)
        self._store = store
        self._lock = threading.Lock()
        self._on_auth_lost = on_auth_lost
        self._tokens: Tokens | None = store.load(self.server_url) if self.server_url else None
        # Polled answers by URL: (ETag, body). The server answers 304 while the
        # ETag still matches, so an unchanged policy costs no body.
        self._current: dict[str, tuple[str, bytes]] = {}
        self._http = httpx.Client(
            base_url=self.server_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"hubnity-agent/{__version__}"},
        )

    def close(self) -> None:
        self._http.close()

    @property
    def signed_in(self) -> bool:
        return self._tokens is not None

    # --- auth ---------------------------------------------------------------------------

    def login(self, email: str, password: str) -> None:
        body = msgspec.json.encode(LoginRequest(email=email.strip(), password=password))
        resp = self._send("POST", "/api/v1/auth/login", content=body, auth=False)
        if resp.status_code in (400, 401):
            raise Rejected("wrong email or password", resp.status_code)
        self._raise_for(resp)
        self._keep(msgspec.json.decode(resp.content, type=TokenPair))

    def logout(self) -> None:
        tokens = self._tokens
        if tokens is not None:
            # Signing out locally must work offline too.
            with contextlib.suppress(NetworkError):
                self._send(
                    "POST",
                    "/api/v1/auth/logout",
                    auth=False,
                    json={"refreshToken": tokens.refresh_token},
                    headers={"Authorization": f"Bearer {tokens.access_token}"},
                )
        self._forget()

    def _keep(self, pair: TokenPair) -> None:
        self._tokens = Tokens(pair.access_token, pair.refresh_token)
        self._store.save(self.server_url, self._tokens)

    def _forget(self) -> None:
        self._tokens = None
        self._current.clear()
        self._store.clear(self.server_url)

    def _refresh(self, stale: Tokens) -> None:
        with self._lock:
            if self._tokens is not stale:
                return  # another thread refreshed meanwhile
            body = msgspec.json.encode(RefreshRequest(refresh_token=stale.refresh_token))
            resp = self._send("POST", "/api/v1/auth/refresh", content=body, auth=False)
            if resp.status_code in (400, 401, 403):
                self._forget()
                if self._on_auth_lost:
                    self._on_auth_lost()
                raise AuthRequired("your session has ended; please sign in again", 401)
            self._raise_for(resp)
            self._keep(msgspec.json.decode(resp.content, type=TokenPair))

    # --- transport ------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, auth: bool = True, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        if "content" in kw and "files" not in kw:
            headers.setdefault("Content-Type", "application/json")
        if auth:
            if self._tokens is None:
                raise AuthRequired("not signed in", 401)
            headers["Authorization"] = f"Bearer {self._tokens.access_token}"
        try:
            return self._http.request(method, path, headers=headers, **kw)
        except httpx.TransportError as exc:
            raise NetworkError(f"cannot reach {self.server_url}: {exc.__class__.__name__}") from exc

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Authenticated request; a 401 refreshes the tokens once and retries."""
        tokens = self._tokens
        if tokens is None:
            raise AuthRequired("not signed in", 401)
        resp = self._send(method, path, **kw)
        if resp.status_code == 401:
            self._refresh(tokens)
            resp = self._send(method, path, **kw)
            if resp.status_code == 401:
                self._forget()
                raise AuthRequired("the server refused the new token; please sign in again", 401)
        self._raise_for(resp)
        return resp

    @staticmethod
    def _raise_for(resp: httpx.Response) -> None:
        code = resp.status_code
        if code < 400:
            return
        detail = _detail(resp)
        if code == 429 or code >= 500 or code == 408:
            raise ServerBusy(
                f"server busy ({code}): {detail}",
                code,
                parse_retry_after(resp.headers.get("Retry-After")),
            )
        raise Rejected(detail, code)

    def get_current(self, path: str, params: dict[str, str] | None = None) -> bytes:
        """A GET the agent polls, conditional on the ETag of its last answer:
        the body of a 200, or the kept body when the server says 304."""
        key = str(httpx.URL(path, params=params))
        kept = self._current.get(key)
        headers = {"If-None-Match": kept[0]} if kept else None
        resp = self.request("GET", path, params=params, headers=headers)
        if resp.status_code == 304 and kept is not None:
            return kept[1]
        etag = resp.headers.get("etag")
        if etag and resp.status_code == 200:
            self._current[key] = (etag, resp.content)
        return resp.content

    # --- endpoints ------------------------------------------------------------------------

    def me(self) -> Me:
        return msgspec.json.decode(self.request("GET", "/api/v1/auth/me").content, type=Me)

    def policy(self) -> TrackingPolicy:
        return msgspec.json.decode(self.get_current("/api/v1/agent/config"), type=TrackingPolicy)

    def active_projects(self) -> list[ActiveProject]:
        items: list[ActiveProject] = []
        cursor: str | None = None
        for _ in range(50):  # bounded: a misbehaving cursor cannot loop forever
            params = {"cursor": cursor} if cursor else None
            page = msgspec.json.decode(
                self.get_current("/api/v1/projects/active", params=params),
                type=ActivePage,
            )
            items.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        return items

    def sync_batch(self, batch: SyncBatch) -> SyncBatchResponse:
        resp = self.request("POST", "/api/v1/sync/batch", content=msgspec.json.encode(batch))
        return msgspec.json.decode(resp.content, type=SyncBatchResponse)

    def upload_screenshot(
        self,
        *,
        data: bytes,
        filename: str,
        content_type: str,
        idempotency_key: str,
        time_entry_key: str,
        captured_at: datetime,
        blur_level: int,
        metadata: dict[str, Any],
    ) -> ScreenshotUploaded:
        fields = {
            "idempotencyKey": idempotency_key,
            "timeEntryKey": time_entry_key,
            "capturedAt": captured_at.isoformat(),
            "blurLevel": str(blur_level),
            "metadata": json.dumps(metadata),
        }
        resp = self.request(
            "POST",
            "/api/v1/sync/screenshots",
            data=fields,
            files={"file": (filename, data, content_type)},
        )
        return msgspec.json.decode(resp.content, type=ScreenshotUploaded)
