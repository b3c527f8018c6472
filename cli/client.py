"""The one HTTP client every command uses (httpx): timeouts, a transparent
refresh on 401 (once; then exit 3 "run hubnity login"), retries only for
idempotent calls, and failures turned into one readable line."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec

from cli import cli_version
from cli.credentials import Store, Tokens, refresh_lock
from cli.errors import AuthError, CliError, NotFoundError
from shared.schemas import TokenPair

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUS = frozenset({502, 503, 504})
ATTEMPTS = 3
BACKOFF = 0.5
_TRANSIENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.RemoteProtocolError)


def timeout_seconds() -> float:
    raw = os.environ.get("HUBNITY_TIMEOUT", "")
    try:
        return max(1.0, float(raw)) if raw else 30.0
    except ValueError:
        raise CliError(f"HUBNITY_TIMEOUT={raw!r} is not a number of seconds") from None


def detail_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def network_error(server: str, exc: httpx.HTTPError, timeout: float) -> CliError:
    if isinstance(exc, httpx.ConnectTimeout):
        why = f"no answer to connect within {timeout:g} s"
    elif isinstance(exc, httpx.TimeoutException):
        why = f"no answer within {timeout:g} s (HUBNITY_TIMEOUT raises the limit)"
    elif isinstance(exc, httpx.ConnectError):
        why = "cannot connect (is the server running and the URL right?)"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        why = "the connection was closed before the answer was complete"
    else:
        why = str(exc) or type(exc).__name__
    return CliError(f"cannot reach {server}: {why}")


def raise_for(response: httpx.Response) -> None:
    code = response.status_code
    if code < 400:
        return
    detail = detail_of(response)
    if code == 401:
        raise AuthError(detail)
    if code == 404:
        raise NotFoundError(f"not found: {detail}")
    if code == 403:
        raise CliError(f"not allowed: {detail}")
    if code == 429:
        wait = response.headers.get("retry-after")
        raise CliError(f"{detail} (try again in {wait} s)" if wait else detail)
    if code >= 500:
        raise CliError(f"the server failed ({code}): {detail}")
    raise CliError(detail)


class Api:
    def __init__(
        self,
        server: str,
        profile: str,
        store: Store,
        lock_dir: Path,
        timeout: float | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.profile = profile
        self.store = store
        self.lock_dir = lock_dir
        self.timeout = timeout or timeout_seconds()
        self.http = httpx.Client(
            base_url=self.server,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": f"hubnity-cli/{cli_version()}"},
            follow_redirects=False,
        )
        self._tokens: Tokens | None = None

    def close(self) -> None:
        self.http.close()

    # -- tokens ---------------------------------------------------------------

    def _login_hint(self) -> str:
        return f"run hubnity login --profile {self.profile}"

    def tokens(self) -> Tokens:
        if self._tokens is None:
            self._tokens = self.store.load(self.profile)
        if self._tokens is None:
            raise AuthError(f"profile {self.profile!r} is not signed in; {self._login_hint()}")
        return self._tokens

    def _refresh(self, spent: Tokens) -> None:
        with refresh_lock(self.lock_dir):
            stored = self.store.load(self.profile)
            if stored is not None and stored.access_token != spent.access_token:
                self._tokens = stored  # another command refreshed meanwhile
                return
            try:
                response = self.http.post(
                    "/api/v1/auth/refresh", json={"refreshToken": spent.refresh_token}
                )
            except httpx.HTTPError as exc:
                raise network_error(self.server, exc, self.timeout) from None
            if response.status_code in (400, 401):
                raise AuthError(
                    f"the session of profile {self.profile!r} has ended (expired or signed "
                    f"out); {self._login_hint()}"
                )
            raise_for(response)
            pair = msgspec.convert(response.json(), TokenPair)
            self._tokens = Tokens(pair.access_token, pair.refresh_token)
            self.store.save(self.profile, self._tokens)

    # -- calls ------------------------------------------------------------------

    def _send(self, method: str, path: str, retry: bool, stream: bool, **kw: Any) -> httpx.Response:
        for attempt in range(ATTEMPTS):
            try:
                request = self.http.build_request(method, path, **kw)
                response = self.http.send(request, stream=stream)
            except _TRANSIENT as exc:
                if retry and attempt + 1 < ATTEMPTS:
                    time.sleep(BACKOFF * 2**attempt)
                    continue
                raise network_error(self.server, exc, self.timeout) from None
            except httpx.HTTPError as exc:
                raise network_error(self.server, exc, self.timeout) from None
            if retry and response.status_code in RETRY_STATUS and attempt + 1 < ATTEMPTS:
                response.close()
                time.sleep(BACKOFF * 2**attempt)
                continue
            return response
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        idempotent: bool | None = None,
        stream: bool = False,
        **kw: Any,
    ) -> httpx.Response:
        """Sends, refreshing once on 401; raises CliError for any failure.
        `idempotent=False` turns retries off for a GET with a side effect."""
        method = method.upper()
        retry = method in IDEMPOTENT if idempotent is None else idempotent
        headers = dict(kw.pop("headers", {}) or {})
        used: Tokens | None = None
        if auth:
            used = self.tokens()
            headers["Authorization"] = f"Bearer {used.access_token}"
        response = self._send(method, path, retry, stream, headers=headers, **kw)
        if response.status_code == 401 and used is not None:
            response.close()
            self._refresh(used)
            headers["Authorization"] = f"Bearer {self.tokens().access_token}"
            response = self._send(method, path, retry, stream, headers=headers, **kw)
            if response.status_code == 401:
                response.close()
                raise AuthError(
                    f"the server refused the refreshed session of profile {self.profile!r}; "
                    f"{self._login_hint()}"
                )
        if response.status_code >= 400:
            if stream:
                response.read()
            raise_for(response)
        return response

    def call(self, method: str, path: str, **kw: Any) -> Any:
        response = self.request(method, path, **kw)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise CliError(f"the server at {self.server} did not answer JSON") from None

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.call("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.call("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.call("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)

    def download(
        self, path: str, target: Path, on_bytes: Callable[[int, int | None], None] | None = None
    ) -> int:
        """Streams a file to `target` (written beside it, then renamed, so a
        failed download never leaves a half file under the asked name)."""
        response = self.request("GET", path, stream=True)
        partial = target.with_name(target.name + ".part")
        total = int(response.headers.get("content-length") or 0) or None
        done = 0
        try:
            with open(partial, "wb") as f:
                for chunk in response.iter_bytes():
                    f.write(chunk)
                    done += len(chunk)
                    if on_bytes:
                        on_bytes(done, total)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise network_error(self.server, exc, self.timeout) from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
        finally:
            response.close()
        partial.replace(target)
        return done

    def paged(self, path: str, params: dict[str, Any], limit: int | None = None) -> list[Any]:
        """Follows `nextCursor` pages of `{items, nextCursor}` up to `limit` items."""
        items: list[Any] = []
        query = {k: v for k, v in params.items() if v is not None}
        while True:
            page = self.get(path, params=query)
            items.extend(page.get("items", []))
            cursor = page.get("nextCursor")
            if not cursor or (limit is not None and len(items) >= limit):
                return items[:limit] if limit is not None else items
            query["cursor"] = cursor
