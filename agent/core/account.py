"""Which account the local queue belongs to.

Unsent time of one person must never be uploaded under another person's
account (a shared computer, a re-install, a typo in the email). The outbox
remembers the account (server + user id) it was filled for; signing in as
someone else is refused while it still holds unsent items.
"""

from __future__ import annotations

from agent.core.api import ApiClient, ApiError
from agent.core.outbox import Outbox


class AccountMismatch(ApiError):
    """Another account's unsent items are still in the queue."""


def bind_account(outbox: Outbox, api: ApiClient) -> None:
    """Call right after a successful login; signs out again and raises on a mismatch."""
    me = api.me()
    account = f"{api.server_url}|{me.id}"
    previous = outbox.get_meta("account")
    if previous and previous != account:
        depth = outbox.depth()
        if depth.total:
            who = outbox.get_meta("account_email") or "another account"
            api.logout()
            raise AccountMismatch(
                f"This computer still has {depth.total} unsent item(s) of {who}. "
                "Sign in as that account first so that they can be uploaded."
            )
        outbox.forget_history()  # someone else's history is not ours to show
    outbox.set_meta("account", account)
    outbox.set_meta("account_email", me.email)
