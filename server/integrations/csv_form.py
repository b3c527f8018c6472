"""The multipart form of `POST /api/v1/imports/csv`, for the OpenAPI document.

The handler streams the form itself (routes.ImportsController), so there is
no body type to document it from; server/http/openapi.py installs this.
"""

from __future__ import annotations

from typing import Any

from server.core.ids import UUID_OR_EMPTY

IMPORT_FORM: dict[str, Any] = {
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "the CSV export, at most IMPORT_MAX_BYTES",
        },
        "format": {
            "type": "string",
            "description": "toggl, clockify or generic (the default; it needs a mapping)",
        },
        "mapping": {"type": "string", "description": "JSON: the column name of each field"},
        "options": {"type": "string", "description": "JSON: options of the format"},
        "dryRun": {"type": "string", "description": "1, true, yes or on: only count"},
        "integrationId": {"type": "string", "pattern": UUID_OR_EMPTY},
    },
}
