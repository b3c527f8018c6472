"""Bodies of the data-rights routes."""

from __future__ import annotations

from shared.schemas import Wire


class EraseRequest(Wire):
    #: The person's email, typed again: an erase cannot be undone.
    confirm_email: str


class RightsJobAccepted(Wire):
    job_id: str
    status_url: str


class RightsJobOut(Wire):
    id: str
    kind: str
    status: str
    #: Progress: `done` of `total` units (rows and objects, or screenshots).
    done: int
    total: int
    #: A data export's zip: a signed link valid for a few minutes (ask again
    #: for a fresh one) until the file itself expires at `expiresAt`.
    download_url: str | None
    expires_at: str | None
    error: str | None
    created_at: str
    finished_at: str | None
