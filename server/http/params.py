"""Query parameters shared by list routes, named in camelCase like the bodies."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from server.db.catalog import ListQuery

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
# A calendar date in the accepted range (server/core/times.py parse_date:
# 2000-01-01 up to 2100-01-01, checked there with the reason) or empty for
# "not given". February 29 is left out of the pattern: it is not always a date.
DATE_OR_EMPTY = (
    r"^$|^20\d\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))$"
)
FromDate = Annotated[
    str | None,
    QueryParameter(name="from", required=False, schema_extra={"pattern": DATE_OR_EMPTY}),
]
ToDate = Annotated[
    str | None,
    QueryParameter(name="to", required=False, schema_extra={"pattern": DATE_OR_EMPTY}),
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
    cursor: str | None = None,
    limit: Limit = None,
) -> ListQuery:
    """The `ListQuery` dependency of list routes (`q`, `includeArchived`, `cursor`, `limit`)."""
    return ListQuery(q=q, include_archived=include_archived, cursor=cursor, limit=limit)
