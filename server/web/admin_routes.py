"""Administration forms of the settings page: members (role, deactivate,
reactivate), invitations (resend, revoke), teams (rename, delete, remove a
member), projects and tasks (add, archive, unarchive).

Each form is CSRF-checked, needs ADMIN/OWNER, asks for confirmation in the
browser when it takes something away (`data-confirm`, app.js), calls the same
service function as the JSON API (which audits it) and re-renders the page.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import Provide
from litestar.response import Template

from server.core.ids import path_uuid
from server.http.deps import app_state_of
from server.mail.outbox import Outbox
from server.members import service as members
from server.members.schemas import MemberPatch
from server.projects import service as projects
from server.projects.schemas import ProjectPatch, TaskIn, TaskPatch
from server.rights import service as rights
from server.teams import service as teams
from server.teams.schemas import TeamPatch
from server.web.settings_routes import SettingsForm, choice, invitation_shown, provide_settings_form
from shared.enums import Role


class AdminForms(Controller):
    path = "/app/settings"
    dependencies = {"form": Provide(provide_settings_form)}

    # -- stored screenshots --------------------------------------------------------
    @post("/reblur")
    async def reblur(self, form: SettingsForm) -> Template:
        """The policy's blur level applied to screenshots already stored (a job)."""

        async def action() -> None:
            job = await rights.request_reblur(form.session, form.web.principal, form.ip)
            await rights.start(app_state_of(form.request.app.state), job)

        return await form.submit(
            action,
            "Re-blur started: stored screenshots below the blur level are being blurred; "
            "their sharp originals are replaced.",
        )

    # -- members ---------------------------------------------------------------
    async def _patch_member(self, form: SettingsForm, member_id: str, patch: MemberPatch) -> None:
        await members.update_member(
            form.session, form.web.principal, path_uuid(member_id, "member"), patch, form.ip
        )

    @post("/members/{member_id:str}/role")
    async def change_role(self, member_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            role = choice(Role, form.get("role"), "choose a role from the list")
            await self._patch_member(form, member_id, MemberPatch(role=role))

        return await form.submit(action, "Role changed.")

    @post("/members/{member_id:str}/deactivate")
    async def deactivate(self, member_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._patch_member(form, member_id, MemberPatch(active=False))

        return await form.submit(
            action, "Member deactivated: signed out everywhere, agent included."
        )

    @post("/members/{member_id:str}/erase")
    async def erase(self, member_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            job = await rights.request_erase(
                form.session,
                form.web.principal,
                path_uuid(member_id, "member"),
                form.get("confirm_email"),
                form.ip,
            )
            await rights.start(app_state_of(form.request.app.state), job)

        return await form.submit(
            action,
            "Erase started: the person is signed out and their data is being removed; "
            "the audit log keeps the act under a pseudonym.",
        )

    @post("/members/{member_id:str}/reactivate")
    async def reactivate(self, member_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._patch_member(form, member_id, MemberPatch(active=True))

        return await form.submit(action, "Member reactivated.")

    @post("/members/{member_id:str}/invitation")
    async def resend(self, member_id: str, form: SettingsForm, outbox: Outbox) -> Template:
        async def action() -> dict[str, str]:
            out = await members.resend_invitation(
                form.session, form.web.principal, path_uuid(member_id, "member"), form.ip, outbox
            )
            return invitation_shown(out, outbox)

        return await form.submit(action, "New invitation sent; the previous link no longer works.")

    @post("/members/{member_id:str}/invitation/revoke")
    async def revoke(self, member_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await members.revoke_invitation(
                form.session, form.web.principal, path_uuid(member_id, "member"), form.ip
            )

        return await form.submit(action, "Invitation revoked; its link no longer works.")

    # -- teams -----------------------------------------------------------------
    @post("/teams/{team_id:str}/rename")
    async def rename_team(self, team_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await teams.rename_team(
                form.session,
                form.web.principal,
                path_uuid(team_id, "team"),
                TeamPatch(name=form.get("name")),
                form.ip,
            )

        return await form.submit(action, "Team renamed.")

    @post("/teams/{team_id:str}/delete")
    async def delete_team(self, team_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await teams.delete_team(
                form.session, form.web.principal, path_uuid(team_id, "team"), form.ip
            )

        return await form.submit(action, "Team deleted; its people and their time stay.")

    @post("/teams/{team_id:str}/members/{user_id:str}/remove")
    async def remove_team_member(self, team_id: str, user_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await teams.remove_member(
                form.session,
                form.web.principal,
                path_uuid(team_id, "team"),
                path_uuid(user_id, "team member"),
                form.ip,
            )

        return await form.submit(action, "Removed from the team.")

    # -- projects and tasks ----------------------------------------------------
    async def _archive_project(self, form: SettingsForm, project_id: str, archived: bool) -> None:
        await projects.update_project(
            form.session,
            form.web.principal,
            path_uuid(project_id, "project"),
            ProjectPatch(archived=archived),
            form.ip,
        )

    @post("/projects/{project_id:str}/archive")
    async def archive_project(self, project_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._archive_project(form, project_id, True)

        return await form.submit(action, "Project archived: agents no longer offer it.")

    @post("/projects/{project_id:str}/unarchive")
    async def unarchive_project(self, project_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._archive_project(form, project_id, False)

        return await form.submit(action, "Project restored.")

    @post("/projects/{project_id:str}/tasks")
    async def add_task(self, project_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await projects.create_task(
                form.session,
                form.web.principal,
                path_uuid(project_id, "project"),
                TaskIn(name=form.get("name")),
            )

        return await form.submit(action, "Task added.")

    async def _archive_task(
        self, form: SettingsForm, project_id: str, task_id: str, archived: bool
    ) -> None:
        await projects.update_task(
            form.session,
            form.web.principal,
            path_uuid(project_id, "project"),
            path_uuid(task_id, "task"),
            TaskPatch(archived=archived),
            form.ip,
        )

    @post("/projects/{project_id:str}/tasks/{task_id:str}/archive")
    async def archive_task(self, project_id: str, task_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._archive_task(form, project_id, task_id, True)

        return await form.submit(action, "Task archived.")

    @post("/projects/{project_id:str}/tasks/{task_id:str}/unarchive")
    async def unarchive_task(self, project_id: str, task_id: str, form: SettingsForm) -> Template:
        async def action() -> None:
            await self._archive_task(form, project_id, task_id, False)

        return await form.submit(action, "Task restored.")
