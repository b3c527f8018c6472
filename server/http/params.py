"""Query parameters shared by list routes, named in camelCase like the bodies."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from server.db.catalog import ListQuery
from server.db.pagination import CURSOR_PATTERN
from shared.wire_dates import DATE_OR_EMPTY, INSTANT_EXAMPLE, INSTANT_OR_EMPTY

IncludeArchived = Annotated[
    bool,
    QueryParameter(name="includeArchived", required=False, description="also list archived rows"),
]
Search = Annotated[
    str | None,
    QueryParameter(name="q", required=False, description="case-insensitive part of the name"),
]
ProjectId = Annotated[str | None, QueryParameter(name="projectId", required=False)]
AssigneeId = Annotated[str | None, QueryParameter(name="assigneeId", required=False)]
UserId = Annotated[str | None, QueryParameter(name="userId", required=False)]
TeamId = Annotated[str | None, QueryParameter(name="teamId", required=False)]
# Dates and instants in the accepted range (shared/wire_dates.py; checked in
# server/core/times.py with the reason) or empty for "not given".
FromDate = Annotated[
    str | None,
    QueryParameter(name="from", required=False, schema_extra={"pattern": DATE_OR_EMPTY}),
]
ToDate = Annotated[
    str | None,
    QueryParameter(name="to", required=False, schema_extra={"pattern": DATE_OR_EMPTY}),
]
OnDate = Annotated[
    str | None,
    QueryParameter(name="date", required=False, schema_extra={"pattern": DATE_OR_EMPTY}),
]
WeekStart = Annotated[
    str | None,
    QueryParameter(
        name="weekStart",
        required=False,
        description="the week starting on this date (a Monday)",
        schema_extra={"pattern": DATE_OR_EMPTY},
    ),
]
FromInstant = Annotated[
    str | None,
    QueryParameter(
        name="from",
        required=False,
        description=f"an RFC 3339 time like {INSTANT_EXAMPLE}",
        schema_extra={"pattern": INSTANT_OR_EMPTY},
    ),
]
ToInstant = Annotated[
    str | None,
    QueryParameter(
        name="to",
        required=False,
        description=f"an RFC 3339 time like {INSTANT_EXAMPLE} (before it)",
        schema_extra={"pattern": INSTANT_OR_EMPTY},
    ),
]
# Opaque: the `nextCursor` of the page before. The code refuses anything else
# (server/db/pagination.py), so the schema can state only its alphabet.
Cursor = Annotated[
    str | None,
    QueryParameter(
        required=False,
        description="the nextCursor of the previous page; any other value is a 400",
        schema_extra={"pattern": CURSOR_PATTERN},
    ),
]
# The code checks the value (server/db/pagination.py: at least 1, above
# MAX_LIMIT means MAX_LIMIT) and says why; the schema states the same rule.
Limit = Annotated[
    int | None,
    QueryParameter(
        required=False,
        description="page size, at least 1; more than 200 gives 200",
        schema_extra={"minimum": 1},
    ),
]


def provide_list_query(
    q: Search = None,
    include_archived: IncludeArchived = False,
    cursor: Cursor = None,
    limit: Limit = None,
) -> ListQuery:
    """The `ListQuery` dependency of list routes (`q`, `includeArchived`, `cursor`, `limit`)."""
    return ListQuery(q=q, include_archived=include_archived, cursor=cursor, limit=limit)
