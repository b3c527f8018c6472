"""All tables, one module per area. Every row that belongs to an organization carries
organization_id. Import models from here: `from server.db.models import TimeEntry`."""

from server.db.models.accounts import (
    Invitation,
    LoginFailure,
    Organization,
    PasswordReset,
    PendingSignup,
    RefreshToken,
    User,
)
from server.db.models.catalog import Activity, Customer, Project, Task, Team, TeamMember
from server.db.models.connections import IntegrationConnection
from server.db.models.day_rollup import TrackedDay, TrackedDayHours
from server.db.models.entries import DeletedTimeEntry
from server.db.models.insight import ActivitySignal, AppUsage
from server.db.models.integrations import (
    Integration,
    IntegrationMapping,
    IntegrationRecord,
    IntegrationRun,
)
from server.db.models.records import AuditLog, ExportJob
from server.db.models.rights import RightsJob
from server.db.models.timesheets import Timesheet
from server.db.models.tracking import ActivityBucket, ActivityRollup, Screenshot, TimeEntry
from server.db.models.worklogs import IntegrationConflict, IntegrationLink, WebhookDelivery

__all__ = [
    "Activity",
    "ActivityBucket",
    "ActivityRollup",
    "ActivitySignal",
    "AppUsage",
    "AuditLog",
    "Customer",
    "DeletedTimeEntry",
    "ExportJob",
    "Integration",
    "IntegrationConflict",
    "IntegrationConnection",
    "IntegrationLink",
    "IntegrationMapping",
    "IntegrationRecord",
    "IntegrationRun",
    "Invitation",
    "LoginFailure",
    "Organization",
    "PasswordReset",
    "PendingSignup",
    "Project",
    "RefreshToken",
    "RightsJob",
    "Screenshot",
    "Task",
    "Team",
    "TeamMember",
    "TimeEntry",
    "Timesheet",
    "TrackedDay",
    "TrackedDayHours",
    "User",
    "WebhookDelivery",
]
