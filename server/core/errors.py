"""Domain errors and the one place that turns any error into a JSON answer.

Services raise these plain exceptions (no framework import); the app maps them
to `{"statusCode", "detail"}` bodies. Unexpected errors are logged with the
request id and answered as a generic 500 without internals.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


# A valid access token whose person or sign-in no longer counts.
SIGNED_OUT = "signed out, or the user is unknown or deactivated; sign in again"


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404

    def __init__(self, what: str = "resource") -> None:
        super().__init__(f"{what} not found")


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    """Well-formed, but refused by a third party (e.g. a provider rejecting credentials)."""

    status_code = 422


class PayloadTooLarge(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class TooManyRequests(DomainError):
    status_code = 429

    def __init__(self, retry_after: int, detail: str = "rate limit exceeded") -> None:
        super().__init__(f"{detail}; retry after {retry_after} s")
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A service we depend on (database, Redis, the LDAP directory) cannot be
    reached right now: the client should retry after `retry_after` seconds."""

    status_code = 503

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
