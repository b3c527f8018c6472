"""The OpenAPI document made exact, by rule, for every route (docs/api.md).

Litestar documents each operation's success response from its signature and a
400 of its own shape (`status_code`); our errors are `{"statusCode", "detail"
[, "extra"]}` (server/http/errors.py) and an operation can answer more than
400. Rather than every handler listing its errors (and a route added later
forgetting), one pass over the generated document installs the `ErrorBody`
component and documents the errors each operation can really produce:

- 400 when it takes parameters or a body (a value the code refuses);
- 401 and 403 when it needs a signed-in principal (token; role or scope);
  401 on the sign-in routes (credentials or token refused); 403 when a
  signature (`sig`) authorizes it instead (signed upload/download links);
- 404 when it names an object: a path id, an `…Id` query parameter or a body
  (bodies refer to other objects of the organization by id);
- 405 never documented: a method the route lacks is not an operation;
- 400, 408, 413 and 415 when it takes a body or is a POST, PUT or PATCH (a
  handler may read a multipart or CSV body itself): malformed, stalled, too
  large (the 413 states the route's body limit), wrong content type;
- 409 for writes (POST, PUT, PATCH, DELETE): the object's state forbids it;
- 429 unless the handler is exempt from the global limit;
- 503 everywhere: a dependency outage (server/core/outages.py).

Ids in queries are UUIDs (server/core/ids.py parse_uuid) and an empty one
means "not given", so a query parameter named `…Id` is documented with the
pattern `UUID_OR_EMPTY`.

A handler may still document an error itself (`responses=`): that wins; one
whose errors go beyond the rule names them in its opt (`errors=[422]`). A
handler streaming files names their types in its opt (`media_types=[...]`):
its success response is documented as those binary types, not as JSON.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin  # serves /schema; no public hook
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from server.core.ids import UUID_OR_EMPTY
from server.security.global_limit import EXEMPT

ERROR_BODY = "ErrorBody"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["statusCode", "detail"],
    "properties": {
        "statusCode": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "extra": {"type": ["object", "array"]},
    },
    "description": "Every error answer of the API.",
}
REASONS = {
    400: "The request is malformed or a value is refused (detail says which)",
    401: "Not signed in, or the token expired or was revoked",
    403: "Not allowed: the role or scope is missing, or the link signature is refused",
    404: "The object does not exist in the caller's organization",
    408: "The request body stalled",
    409: "The object's current state does not allow this",
    413: "The request body is too large",
    415: "The request body's content type is not accepted",
    422: "A third party (the provider) refused the request; detail gives its reason",
    429: "Too many requests; retry after Retry-After seconds",
    503: "A backing service is temporarily unavailable; retry after Retry-After seconds",
}
WRITES = {"post", "put", "patch", "delete"}
SIGN_IN = "/api/v1/auth/"
# Handler opt key: the media types a file-streaming handler answers with.
MEDIA_TYPES = "media_types"
# Handler opt key: a function (app, component schemas) stating a value known
# only at run time in the document, such as a configured limit.
DOCUMENT = "document"
# Handler opt key: the fields of a multipart/form-data body the handler reads
# itself (streamed, so there is no `data` parameter to document it from):
# {"required": [...], "properties": {...}}.
MULTIPART = "multipart"
# Handler opt key: error codes the handler answers beyond the rule.
ERRORS = "errors"
# Methods whose body a handler may read itself (multipart uploads, CSV files).
BODY_METHODS = {"post", "put", "patch"}


def _needs_principal(handler: HTTPRouteHandler) -> bool:
    """Whether the handler or any dependency it resolves asks for `principal`."""
    providers = handler.resolve_dependencies()
    seen: set[str] = set()
    todo = list(handler.parsed_fn_signature.parameters)
    while todo:
        name = todo.pop()
        if name == "principal":
            return True
        if name in seen or name not in providers:
            continue
        seen.add(name)
        fn: Callable[..., Any] = providers[name].dependency
        todo.extend(inspect.signature(fn).parameters)
    return False


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                found[(route.path_format or "/", method.lower())] = handler
    return found


def _errors(
    path: str, method: str, operation: dict[str, Any], handler: HTTPRouteHandler | None
) -> list[int]:
    params = operation.get("parameters") or []
    has_body = "requestBody" in operation
    codes = {503}
    if params or has_body:
        codes.add(400)
    if handler is not None and _needs_principal(handler):
        codes |= {401, 403}
    if path.startswith(SIGN_IN):
        codes.add(401)
    if any(p.get("in") == "query" and p["name"] == "sig" for p in params):
        codes.add(403)
    names_object = has_body or any(
        p.get("in") == "path" or (p.get("in") == "query" and p["name"].lower().endswith("id"))
        for p in params
    )
    if names_object:
        codes.add(404)
    if has_body or method in BODY_METHODS:
        codes |= {400, 408, 413, 415}
    if method in WRITES:
        codes.add(409)
    if handler is None or not handler.opt.get(EXEMPT):
        codes.add(429)
    if handler is not None:
        codes |= set(handler.opt.get(ERRORS, ()))
    return sorted(codes)


def _reason(code: int, handler: HTTPRouteHandler | None) -> str:
    """The reason of an error; a 413 states the route's body limit
    (server/http/body_limits.py)."""
    limit = handler.resolve_request_max_body_size() if handler is not None else None
    if code == 413 and limit is not None:
        return f"{REASONS[code]}: this route takes at most {limit} bytes"
    return REASONS[code]


def _document_ids(parameters: list[dict[str, Any]]) -> None:
    for parameter in parameters:
        if parameter.get("in") == "query" and parameter["name"].endswith("Id"):
            schema = parameter.setdefault("schema", {})
            for branch in schema.get("oneOf") or [schema]:
                if branch.get("type") == "string":
                    branch["pattern"] = UUID_OR_EMPTY


def _multipart(fields: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", **fields}
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _document_files(responses: dict[str, Any], media_types: list[str]) -> None:
    binary = {"schema": {"type": "string", "format": "binary"}}
    for code, response in responses.items():
        if code.startswith("2"):
            response["content"] = {media_type: binary for media_type in media_types}


def document_errors(app: Litestar, schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrites `schema` (the generated document as a dict) in place and returns it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_BODY] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_BODY}"}}}
    handlers = _handlers(app)
    for path, item in (schema.get("paths") or {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            litestar_400 = responses.get("400", {}).get("description", "").startswith("Bad request")
            if litestar_400:
                del responses["400"]
            handler = handlers.get((path, method))
            _document_ids(operation.get("parameters") or [])
            if handler is not None and handler.opt.get(MULTIPART):
                operation["requestBody"] = _multipart(handler.opt[MULTIPART])
            if handler is not None and handler.opt.get(DOCUMENT):
                handler.opt[DOCUMENT](app, components)
            if handler is not None and handler.opt.get(MEDIA_TYPES):
                _document_files(responses, handler.opt[MEDIA_TYPES])
            for code in _errors(path, method, operation, handler):
                responses.setdefault(
                    str(code), {"description": _reason(code, handler), "content": error_content}
                )
    return schema


class _DocumentedPlugin(OpenAPIPlugin):
    __slots__ = ()

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            self._openapi_schema = document_errors(self.app, super().provide_openapi_schema())
        return self._openapi_schema


def install(app: Litestar) -> None:
    """Serves the rewritten document at /schema/openapi.json (and its renderers):
    the plugin that serves /schema becomes one that rewrites what it serves."""
    app.plugins.get(OpenAPIPlugin).__class__ = _DocumentedPlugin
