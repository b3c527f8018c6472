"""Every domain's job module, imported so that their `@job`/`@periodic`
registrations run. Only the composition roots (the app factory and the
worker) import this, so the registry itself depends on no domain."""

from __future__ import annotations

import server.auth.jobs
import server.integrations.jobs
import server.mail.jobs
import server.reports.jobs
import server.rights.jobs
import server.screenshots.jobs

MODULES = (
    server.auth.jobs,
    server.integrations.jobs,
    server.mail.jobs,
    server.reports.jobs,
    server.rights.jobs,
    server.screenshots.jobs,
)


def load_all() -> None:
    """Explicit call for readers; the imports above did the work."""
