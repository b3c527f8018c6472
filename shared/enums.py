"""Enumerations that travel on the wire (values are the JSON strings)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    MEMBER = "MEMBER"


class TeamRole(StrEnum):
    MEMBER = "MEMBER"
    MANAGER = "MANAGER"


class EntryStatus(StrEnum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class EntrySource(StrEnum):
    """Who recorded an entry; imported time is `import:<provider>` (e.g. `import:toggl`)."""

    AGENT = "agent"
    WEB = "web"  # the timer of the web pages and the command line
    MANUAL = "manual"
    IMPORT = "import"


class EntryClass(StrEnum):
    """Where an entry sits in its user's local day (ordered by start)."""

    DAYBREAK = "daybreak"  # the day's first entry
    PAUSE = "pause"  # starts after a gap
    OVERLAP = "overlap"  # starts before an earlier entry of the day ended
    PLAIN = "plain"  # starts where the previous one ended


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ARCHIVED = "archived"


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class TimesheetStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"  # the week is locked
    REJECTED = "rejected"  # may be submitted again
    REOPENED = "reopened"  # an admin unlocked an approved week; may be submitted again


class ManualTimeApproval(StrEnum):
    OFF = "off"
    REQUIRED = "required"  # manual time counts as pending until its week is approved


class ScreenshotStatus(StrEnum):
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


class Subscription(StrEnum):
    FREE = "FREE"
    TRIAL = "TRIAL"
    PRO = "PRO"
    ENTERPRISE = "ENTERPRISE"


class ConflictReason(StrEnum):
    INVALID = "invalid"
    OVERLAP = "overlap"
    UNKNOWN_PROJECT = "unknown_project"
    FORBIDDEN = "forbidden"
    UNKNOWN_TIME_ENTRY = "unknown_time_entry"
    # A person deleted the entry with this key: the agent drops the item.
    DELETED = "deleted"
    LOCKED = "locked"  # the entry's week is approved (docs/api.md, "Timesheets")


class AppTracking(StrEnum):
    """How much of the foreground application the agents record (docs/privacy.md)."""

    OFF = "off"  # nothing
    APPS = "apps"  # the application's executable name
    TITLES = "titles"  # and its window title, after the organization's redaction patterns


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
