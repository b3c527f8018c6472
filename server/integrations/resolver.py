"""Who and what an external record belongs to in Hubnity.

Users: an explicit mapping (PUT .../mappings) wins; else the member whose
email equals the provider's email (case-insensitive); else nobody — the
record fails with a reason naming the external user, and the user is listed
as unmatched. Never guessed from names.

Projects: an explicit mapping wins; else a project of the same name; else,
with `createProjects`, a new project of that name; else the entry is imported
without a project and the external project is listed as unmatched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Integration, IntegrationMapping, Project, User
from server.integrations.base import ExternalRef

USER, PROJECT, ACTIVITY = "user", "project", "activity"
KINDS = (USER, PROJECT, ACTIVITY)


@dataclass
class Resolver:
    integration: Integration
    create_projects: bool
    members_by_email: dict[str, uuid.UUID]
    projects_by_name: dict[str, uuid.UUID]
    # (kind, external id) → mapping row (known externals, matched or not).
    mappings: dict[tuple[str, str], IntegrationMapping]
    new_mappings: list[IntegrationMapping] = field(default_factory=list)
    new_projects: list[Project] = field(default_factory=list)
    # What each external ref resolved to in this run: a page resolves the same
    # few people and projects thousands of times (mapping rows are ORM objects,
    # slow to read attribute by attribute).
    _users: dict[ExternalRef, uuid.UUID | None] = field(default_factory=dict)
    _projects: dict[tuple[ExternalRef, bool], uuid.UUID | None] = field(default_factory=dict)

    @classmethod
    async def load(
        cls, session: AsyncSession, integration: Integration, *, dry_run: bool = False
    ) -> Resolver:
        """Everything needed to resolve; on a dry run the mapping rows are
        detached so that what the run learns is never written."""
        org = integration.organization_id
        members = (
            await session.execute(
                select(User.email, User.id).where(User.organization_id == org, User.active)
            )
        ).all()
        projects = (
            await session.execute(
                select(Project.name, Project.id).where(Project.organization_id == org)
            )
        ).all()
        rows = (
            await session.execute(
                select(IntegrationMapping).where(
                    IntegrationMapping.integration_id == integration.id
                )
            )
        ).scalars()
        mappings = {(m.kind, m.external_id): m for m in rows}
        if dry_run:
            for m in mappings.values():
                session.expunge(m)
        return cls(
            integration=integration,
            create_projects=bool(integration.settings.get("createProjects")),
            members_by_email={email.lower(): uid for email, uid in members},
            projects_by_name={name.lower(): pid for name, pid in projects},
            mappings=mappings,
        )

    def _mapping(self, kind: str, ref: ExternalRef) -> IntegrationMapping:
        key = (kind, ref.id[:255])
        row = self.mappings.get(key)
        if row is None:
            row = IntegrationMapping(
                id=uuid.uuid4(),
                integration_id=self.integration.id,
                kind=kind,
                external_id=ref.id[:255],
                manual=False,
            )
            self.mappings[key] = row
            self.new_mappings.append(row)
        if ref.name and not row.external_name:
            row.external_name = ref.name[:255]
        if ref.email and not row.external_email:
            row.external_email = ref.email.lower()[:320]
        return row

    def learn(self, kind: str, ref: ExternalRef) -> IntegrationMapping:
        """The mapping row of an external user/project/activity (created unmatched)."""
        return self._mapping(kind, ref)

    def learn_user(self, ref: ExternalRef) -> uuid.UUID | None:
        row = self._mapping(USER, ref)
        if not row.manual:
            email = (row.external_email or "").lower()
            row.target_id = self.members_by_email.get(email) if email else None
        return row.target_id

    def user(self, ref: ExternalRef) -> uuid.UUID | None:
        if ref in self._users:
            return self._users[ref]
        row = self.mappings.get((USER, ref.id[:255]))
        if row is None or (not row.manual and row.target_id is None):
            found = self.learn_user(ref)
        else:
            found = row.target_id
        self._users[ref] = found
        return found

    def user_label(self, ref: ExternalRef) -> str:
        """How to name an external user in an error: email, else name, else id."""
        row = self.mappings.get((USER, ref.id[:255]))
        email = (row.external_email if row else None) or ref.email
        name = (row.external_name if row else None) or ref.name
        return f"{email or name or ref.id} (id {ref.id})"

    def project(self, ref: ExternalRef | None, *, dry_run: bool) -> uuid.UUID | None:
        if ref is None:
            return None
        key = (ref, dry_run)
        if key not in self._projects:
            self._projects[key] = self._project(ref, dry_run=dry_run)
        return self._projects[key]

    def _project(self, ref: ExternalRef, *, dry_run: bool) -> uuid.UUID | None:
        row = self._mapping(PROJECT, ref)
        if row.manual or row.target_id is not None:
            return row.target_id
        name = (row.external_name or "").strip()
        if name and name.lower() in self.projects_by_name:
            row.target_id = self.projects_by_name[name.lower()]
        elif name and self.create_projects and not dry_run:
            project = Project(
                id=uuid.uuid4(), organization_id=self.integration.organization_id, name=name[:200]
            )
            self.new_projects.append(project)
            self.projects_by_name[name.lower()] = project.id
            row.target_id = project.id
        return row.target_id

    def unmatched(self, kind: str) -> list[IntegrationMapping]:
        return [m for (k, _), m in self.mappings.items() if k == kind and m.target_id is None]

    def flush_into(self, session: AsyncSession) -> None:
        """Adds what was learnt (new projects, new mapping rows) to the session."""
        session.add_all(self.new_projects)
        session.add_all(self.new_mappings)
        self.new_projects = []
        self.new_mappings = []
