"""Page data of the work pages: names for ids (customers, projects, people)
and the task board, read with the same services as the JSON API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.db.models import Customer, Project, User
from server.tasks import service as tasks
from server.tasks.schemas import TaskDetail
from shared.enums import TaskStatus

BOARD_LIMIT = 100
COLUMNS = [
    (TaskStatus.TODO, "To do"),
    (TaskStatus.IN_PROGRESS, "In progress"),
    (TaskStatus.DONE, "Done"),
]


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    archived: bool = False
    color: str | None = None


async def customer_options(session: AsyncSession, principal: Principal) -> list[Option]:
    rows = await session.execute(
        select(Customer.id, Customer.name, Customer.archived)
        .where(Customer.organization_id == principal.org_id)
        .order_by(Customer.name)
    )
    return [Option(str(i), n, a) for i, n, a in rows]


async def project_options(session: AsyncSession, principal: Principal) -> list[Option]:
    rows = await session.execute(
        select(Project.id, Project.name, Project.archived, Project.color)
        .where(Project.organization_id == principal.org_id)
        .order_by(Project.name)
    )
    return [Option(str(i), n, a, c) for i, n, a, c in rows]


async def people_options(session: AsyncSession, principal: Principal) -> list[Option]:
    rows = await session.execute(
        select(User.id, User.name, User.active)
        .where(User.organization_id == principal.org_id)
        .order_by(User.name)
    )
    return [Option(str(i), n, not active) for i, n, active in rows]


def names(options: list[Option]) -> dict[str, str]:
    return {o.id: o.name for o in options}


@dataclass
class Column:
    status: str
    title: str
    tasks: list[TaskDetail]
    more: bool = False


@dataclass
class Board:
    columns: list[Column] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(c.tasks) for c in self.columns)


async def task_board(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: str | None,
    assignee_id: str | None,
    q: str | None,
    archived: bool,
) -> Board:
    """Tasks by status, each column the first BOARD_LIMIT by name (keyset page)."""
    board = Board()
    columns = [*COLUMNS, (TaskStatus.ARCHIVED, "Archived")] if archived else COLUMNS
    for status, title in columns:
        page = await tasks.list_tasks(
            session,
            principal,
            project_id=project_id,
            status=status,
            assignee_id=assignee_id,
            q=q,
            limit=BOARD_LIMIT,
        )
        board.columns.append(Column(status.value, title, page.items, page.next_cursor is not None))
    return board


def can_move(principal: Principal, task: TaskDetail) -> bool:
    """The rule of tasks.change_status, for showing the buttons only to whom they work."""
    return principal.is_admin or task.assignee_id == str(principal.user_id)


def is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True
