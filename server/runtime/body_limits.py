"""Request body limits by kind of route (docs/api.md, "Body limits").

Every route takes a small body unless it is named here as needing more, so a
route added later is small by default. Each limit is a size in the usual
notation (`64kb`, `48mb`) from its own environment variable:

- `default`, `BODY_LIMIT_DEFAULT`, 64 KiB: every route not named below
  (sign-in, register, refresh, every JSON API, the web forms).
- `text`, `BODY_LIMIT_TEXT`, 256 KiB: long free text, the agent config (50
  redaction patterns of 300 characters) and the web forms of the policy,
  projects and tasks (10,000 characters; a form encodes one in up to 12 bytes).
- `webhook`, `BODY_LIMIT_WEBHOOK`, 1 MiB: a provider's webhook (signed over
  the whole body, so it is read before it can be verified).
- `bulk`, `BODY_LIMIT_BULK`, 12 MiB: integration mappings, 5,000 items of at
  most 2,144 bytes each: 10.2 MiB.
- `sync`, `BODY_LIMIT_SYNC`, 48 MiB: the sync batch, whose largest legitimate
  batch is 47.6 MiB (server/sync/batch_size.py).
- `upload`, `BODY_SIZE_LIMIT`, 50 MiB: screenshot uploads (the multipart
  upload and the local presigned PUT).

The CSV import upload has no route limit: it streams to disk and stops at
`IMPORT_MAX_BYTES` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.runtime.env import ConfigError, env_str, parse_size

KIB = 1024
MIB = 1024 * KIB


class BodyKind(StrEnum):
    DEFAULT = "default"
    TEXT = "text"
    WEBHOOK = "webhook"
    BULK = "bulk"
    SYNC = "sync"
    UPLOAD = "upload"
    # The handler reads the body as a stream and enforces its own limit.
    STREAMED = "streamed"


@dataclass(frozen=True)
class BodyLimits:
    default: int = 64 * KIB
    text: int = 256 * KIB
    webhook: int = 1 * MIB
    bulk: int = 12 * MIB
    sync: int = 48 * MIB
    upload: int = 50 * MIB

    def of(self, kind: BodyKind) -> int | None:
        """The limit in bytes of a kind of route; None: the handler enforces its own."""
        if kind is BodyKind.STREAMED:
            return None
        limit: int = getattr(self, kind.value)
        return limit


_VARIABLES = {
    BodyKind.DEFAULT: "BODY_LIMIT_DEFAULT",
    BodyKind.TEXT: "BODY_LIMIT_TEXT",
    BodyKind.WEBHOOK: "BODY_LIMIT_WEBHOOK",
    BodyKind.BULK: "BODY_LIMIT_BULK",
    BodyKind.SYNC: "BODY_LIMIT_SYNC",
    BodyKind.UPLOAD: "BODY_SIZE_LIMIT",
}


def load_body_limits() -> BodyLimits:
    defaults = BodyLimits()
    values: dict[str, int] = {}
    for kind, name in _VARIABLES.items():
        raw = env_str(name)
        size = defaults.of(kind) if raw is None else parse_size(name, raw)
        if not size:
            raise ConfigError(f"{name}={raw!r} must be more than 0 bytes")
        values[kind.value] = size
    return BodyLimits(**values)
