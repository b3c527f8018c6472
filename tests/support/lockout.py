"""Comparing sign-in answers: a registered address and an unknown one must
answer alike, try for try (the lockout tests, API, web form and LDAP)."""

from __future__ import annotations

import re
from typing import Any

THRESHOLD = 5  # LOGIN_LOCKOUT_THRESHOLD
TRIES = THRESHOLD + 2
BLOCK = 2  # LOGIN_LOCKOUT_SECONDS: the first block after THRESHOLD failures
_SECONDS = re.compile(r"\d+ s\b")


def lockout_env(**extra: str) -> dict[str, str]:
    return {
        "LOGIN_LOCKOUT_THRESHOLD": str(THRESHOLD),
        "LOGIN_LOCKOUT_SECONDS": str(BLOCK),
        **extra,
    }


def answer(r: Any, *mask: str) -> tuple[int, str, str]:
    """Status, body and the presence of Retry-After, with the given texts (the
    address a page echoes, its CSRF token) and the wait in seconds masked: the
    seconds left may differ by one between two blocks that began ms apart."""
    body = r.text
    for text in mask:
        body = body.replace(text, "<masked>")
    retry = r.headers.get("Retry-After")
    return r.status_code, _SECONDS.sub("N s", body), "none" if retry is None else "seconds"


def assert_alike(registered: list[Any], unknown: list[Any], *mask: str) -> None:
    """TRIES wrong passwords each: the same answers, THRESHOLD 401s then 429s
    whose Retry-After is within the first block and differs by a second at most."""
    assert [answer(r, *mask) for r in registered] == [answer(r, *mask) for r in unknown]
    assert [r.status_code for r in registered] == [401] * THRESHOLD + [429] * (TRIES - THRESHOLD)
    for a, b in zip(registered[THRESHOLD:], unknown[THRESHOLD:], strict=True):
        wait_a, wait_b = int(a.headers["Retry-After"]), int(b.headers["Retry-After"])
        assert 1 <= wait_a <= BLOCK and 1 <= wait_b <= BLOCK and abs(wait_a - wait_b) <= 1
