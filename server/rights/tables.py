"""Which tables hold a person's data, read from the models' metadata, so a table
added later (app usage, input signals, ...) is exported, erased and purged
without a change here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table

from server.db.base import Base

USERS = "users"


@dataclass(frozen=True)
class UserColumn:
    table: Table
    column: Column[object]
    #: "delete": the row is the person's; "null": the row is the organization's
    #: and only points at them (a task's assignee, who asked for an export).
    mode: str


def _points_at_users(column: Column[object]) -> tuple[bool, str | None]:
    for fk in column.foreign_keys:
        if fk.column.table.name == USERS:
            return True, fk.ondelete
    return False, None


def user_columns() -> list[UserColumn]:
    """Every column that names a person: a foreign key to users, or a column
    called user_id (per-minute tables copy it without a key). Children first."""
    found: list[UserColumn] = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == USERS:
            continue
        for column in table.columns:
            is_fk, ondelete = _points_at_users(column)
            if not is_fk and column.name != "user_id":
                continue
            set_null = (ondelete or "").upper() == "SET NULL" and column.nullable
            mode = "null" if set_null else "delete"
            found.append(UserColumn(table, column, mode))
    return found


def minute_tables() -> list[Table]:
    """Per-minute tables (activity, app usage, input signals): user_id + minute."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if {"user_id", "minute", "organization_id"} <= set(t.columns.keys())
    ]


def slot_tables() -> list[Table]:
    """Coarser rollups of the per-minute tables: user_id + slot."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if {"user_id", "slot", "organization_id"} <= set(t.columns.keys())
    ]
