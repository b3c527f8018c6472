"""What time is recorded against: customers, activities, projects, tasks, teams."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db.base import Base, Timestamped, UUIDPrimaryKey
from server.db.models.columns import MONEY, org_id
from shared.enums import (
    TaskPriority,
    TaskStatus,
)
from shared.enums import TeamRole as TeamRoleEnum


class Customer(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    hourly_rate: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Activity(UUIDPrimaryKey, Timestamped, Base):
    """A kind of work (development, meeting, support), billable or not."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    name: Mapped[str] = mapped_column(String(200))
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Project(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = org_id()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Overrides the customer's rate when set.
    hourly_rate: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    budget_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)
    color: Mapped[str | None] = mapped_column(String(7), default=None)


class Task(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # The task list's filters, each ending in the keyset order (name, id).
        Index("ix_tasks_org_name", "organization_id", "name", "id"),
        Index("ix_tasks_project_status_name", "project_id", "status", "name", "id"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
    )

    organization_id: Mapped[uuid.UUID] = org_id()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.TODO.value)
    priority: Mapped[str] = mapped_column(String(8), default=TaskPriority.MEDIUM.value)
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    estimate_seconds: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    ticket_key: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # Overrides the project's (and the customer's) rate for time on this task.
    hourly_rate: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def archived(self) -> bool:
        return self.status == TaskStatus.ARCHIVED.value


class Team(UUIDPrimaryKey, Timestamped, Base):
    __tablename__ = "teams"

    organization_id: Mapped[uuid.UUID] = org_id()
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(String(200))


class TeamMember(Timestamped, Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    organization_id: Mapped[uuid.UUID] = org_id()
    role: Mapped[str] = mapped_column(String(16), default=TeamRoleEnum.MEMBER.value)
