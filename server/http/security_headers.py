"""The security headers of every response, decided in one place by what it is.

A `before_send` hook of the app: it sees every response, errors and 404s for
unknown paths included (route-level `response_headers` never reach those),
and sets each header only when the response has none of its own.

- Every response: `X-Content-Type-Options: nosniff` (nothing is sniffed into
  another type), `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`.
- An HTML page: `PAGE_CSP`, scripts and styles only from the server itself.
- Everything else — JSON, redirects, and every stored byte served back
  (screenshots, thumbnails, signed blobs, exports, the data zip):
  `STORED_BYTES_CSP`, `default-src 'none'; sandbox`. Opened directly in a
  browser such a response is no document that can load or run anything, so
  an image that is also HTML or a ZIP (a polyglot) stays an image.
- The OpenAPI viewer (`/schema`, a page whose script comes from a CDN and
  which shows no user data) gets no CSP.
"""

from __future__ import annotations

from litestar.types import Message, Scope

#: Scripts only from this server, never inline. Styles from this server; the
#: pages' bars and swatches set their width, position or colour in a `style`
#: attribute (a value per row: a class per value would be hundreds of rules),
#: so style *attributes* are allowed and `<style>` elements are not (CSP
#: level 3 `style-src-attr`; an injected attribute can restyle an element but
#: not read the page, as an injected stylesheet's selectors could).
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
    "style-src-attr 'unsafe-inline'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
#: Bytes that are not a page of ours: nothing may load, run, submit or frame.
STORED_BYTES_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
OPENAPI_PATH = "/schema"


def _is_openapi_viewer(scope: Scope) -> bool:
    path = scope.get("path", "")
    return path == OPENAPI_PATH or path.startswith(OPENAPI_PATH + "/")


def content_security_policy(scope: Scope, content_type: str) -> str | None:
    """The policy a response without one of its own gets."""
    if content_type.lower().startswith("text/html"):
        return None if _is_openapi_viewer(scope) else PAGE_CSP
    return STORED_BYTES_CSP


_COMMON = [(name.lower().encode(), value.encode()) for name, value in COMMON.items()]
_CSP = b"content-security-policy"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook: completes the headers of each response start."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or ())
    present = {bytes(name).lower() for name, _ in headers}
    headers.extend(header for header in _COMMON if header[0] not in present)
    if _CSP not in present:
        content_type = next(
            (bytes(v).decode("latin-1") for n, v in headers if bytes(n).lower() == b"content-type"),
            "",
        )
        policy = content_security_policy(scope, content_type)
        if policy is not None:
            headers.append((_CSP, policy.encode()))
    message["headers"] = headers
