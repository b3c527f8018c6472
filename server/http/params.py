"""Query parameters shared by list routes, named in camelCase like the bodies."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

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
