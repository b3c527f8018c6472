"""What services send mail through: queued as a job, links built on the public address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from server.jobs.base import JobQueue
from server.mail.jobs import JOB_NAME
from server.mail.message import Mail


@dataclass(frozen=True)
class Outbox:
    jobs: JobQueue
    base_url: str  # HUBNITY_PUBLIC_URL, else the address the request came to

    def link(self, path: str, **query: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}" + (f"?{urlencode(query)}" if query else "")

    async def send(self, mail: Mail) -> None:
        """Queues `mail` (delivered by a worker; a slow SMTP server never slows a page)."""
        await self.jobs.enqueue(
            JOB_NAME, to=mail.to, subject=mail.subject, text=mail.text, html=mail.html
        )
