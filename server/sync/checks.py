"""What a batch's entry items are checked against besides the stored timeline,
read with the stored entries (`SyncStore.read_batch`): the projects and tasks
they name, and the user's approved (locked) weeks they start in (docs/api.md,
"Timesheets")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from server.sync.store import BatchReads
from server.sync.validate import ValidEntry
from server.timesheets.locks import LockIndex
from shared.enums import TaskStatus


@dataclass
class Refs:
    """The organization's projects and tasks a batch names."""

    projects: set[uuid.UUID] = field(default_factory=set)
    tasks: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # task -> its project
    archived: set[uuid.UUID] = field(default_factory=set)  # archived projects and tasks


def refs_of(reads: BatchReads) -> Refs:
    refs = Refs()
    for pid, archived in reads.projects:
        refs.projects.add(pid)
        if archived:
            refs.archived.add(pid)
    for tid, pid, status in reads.tasks:
        refs.tasks[tid] = pid
        if status == TaskStatus.ARCHIVED.value:
            refs.archived.add(tid)
    return refs


def ref_problem(e: ValidEntry, refs: Refs, new: bool) -> str | None:
    if e.project_id and e.project_id not in refs.projects:
        return f"project {e.project_id} does not exist"
    if e.task_id:
        owner = refs.tasks.get(e.task_id)
        if owner is None:
            return f"task {e.task_id} does not exist"
        if owner != e.project_id:
            return f"task {e.task_id} does not belong to project {e.project_id}"
    # New time only: an entry already stored keeps going when its project is
    # archived under it (a running entry's next revisions are not refused).
    if new and e.project_id in refs.archived:
        return f"project {e.project_id} is archived; pick another project"
    if new and e.task_id in refs.archived:
        return f"task {e.task_id} is archived; pick another task"
    return None


def lock_index_of(user_id: uuid.UUID, reads: BatchReads) -> LockIndex:
    """The user's approved weeks that the batch's entries start in, as they are
    sent or as they are stored (an entry may neither enter nor leave a locked week)."""
    index = LockIndex()
    for week in reads.weeks:
        index.add(user_id, week)
    return index
