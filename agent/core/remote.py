"""The organization's tracking policy and project list, fetched from the
server now and then and kept in the data dir, so that an offline start obeys
the last ones it saw."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from agent.config import save_policy, save_projects
from agent.core.api import ApiClient, Rejected
from agent.core.clock import Clock
from shared.schemas import ActiveProject, TrackingPolicy

log = logging.getLogger(__name__)

POLICY_REFRESH_SECONDS = 600.0


class RemoteConfig:
    def __init__(
        self,
        data_dir: Path,
        clock: Clock,
        api: Callable[[], ApiClient],
        apply: Callable[[TrackingPolicy, list[ActiveProject]], None],
    ) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self._api = api  # a getter: signing in replaces the client
        self._apply = apply
        self._fetched = -POLICY_REFRESH_SECONDS

    def refresh(self) -> None:
        """At most every few minutes (called before each sync, on the sync thread)."""
        if self.clock.monotonic() - self._fetched < POLICY_REFRESH_SECONDS:
            return
        api = self._api()
        try:
            policy = api.policy()
            projects = api.active_projects()
        except Rejected as exc:
            # A refusal here must not stop uploads (they do not depend on it):
            # keep the cached policy and try again next period.
            log.warning("could not refresh policy/projects: %s", exc)
            self._fetched = self.clock.monotonic()
            return
        self._fetched = self.clock.monotonic()
        save_policy(self.data_dir, policy)
        save_projects(self.data_dir, projects)
        self._apply(policy, projects)

    def refresh_now(self) -> None:
        self._fetched = -POLICY_REFRESH_SECONDS
        self.refresh()
