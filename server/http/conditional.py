"""Conditional GET for answers agents poll (config, active projects).

Every agent asks for its policy and its projects every 10 minutes and the
answer almost never changes. The answer carries an ETag (a hash of its JSON
bytes, so it changes exactly when the answer does); an agent that sends it
back in `If-None-Match` gets 304 without a body. The query still runs (the
answer is the state now, never a cached one); what a match saves is the body
on the wire and the client's decoding of it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Response
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.serialization import encode_json
from litestar.status_codes import HTTP_304_NOT_MODIFIED

#: Clients may keep the answer but must ask again (with its ETag) before using it.
CACHE_CONTROL = "private, no-cache"

#: `responses=` of a conditional GET: the 304 in the OpenAPI document.
NOT_MODIFIED = {
    HTTP_304_NOT_MODIFIED: ResponseSpec(
        data_container=None,
        description="Not modified: the ETag sent in If-None-Match is still the answer's",
    )
}

#: The If-None-Match request header, as a handler parameter.
IF_NONE_MATCH: Any = HeaderParameter(
    name="If-None-Match",
    required=False,
    description="The ETag of the answer the client has; 304 while it is current",
)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison against each listed tag, or `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def conditional(content: object, if_none_match: str | None) -> Response[Any]:
    """The JSON answer with its ETag, or 304 when the client's copy is current."""
    body = encode_json(content)
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if matches(if_none_match, etag):
        return Response(content=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, media_type=MediaType.JSON, headers=headers)
