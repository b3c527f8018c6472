"""Window-title redaction and length limits, the same on the agent and the server.

An organization lists regular expressions (Python `re` syntax); every match in
a window title is replaced by `***` before the title is stored or sent. The
agent redacts before anything leaves the device; the server applies the same
patterns again, so a title from an agent with an older policy is redacted too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from shared.limits import (
    MAX_APP_NAME_LENGTH,
    MAX_REDACTION_PATTERN_LENGTH,
    MAX_REDACTION_PATTERNS,
    MAX_TITLE_LENGTH,
)

MASK = "***"
ELLIPSIS = "…"


class BadPattern(ValueError):
    """A redaction pattern that is not a usable regular expression (the message says why)."""


def compile_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Every pattern compiled, or BadPattern naming the first bad one and why."""
    if len(patterns) > MAX_REDACTION_PATTERNS:
        raise BadPattern(
            f"at most {MAX_REDACTION_PATTERNS} redaction patterns (got {len(patterns)})"
        )
    compiled = []
    for i, p in enumerate(patterns, start=1):
        if not isinstance(p, str) or not p.strip():
            raise BadPattern(f"redaction pattern {i} is empty")
        if len(p) > MAX_REDACTION_PATTERN_LENGTH:
            raise BadPattern(
                f"redaction pattern {i} is longer than {MAX_REDACTION_PATTERN_LENGTH} characters"
            )
        try:
            rx = re.compile(p)
        except re.error as exc:
            raise BadPattern(
                f"redaction pattern {i} ({p[:60]!r}) is not a valid regex: {exc}"
            ) from None
        compiled.append(rx)
    return compiled


def safe_patterns(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """The usable ones of `patterns`, skipping bad ones (for reading stored policies)."""
    out = []
    for p in patterns:
        try:
            out.extend(compile_patterns([p]))
        except BadPattern:
            continue
    return out


def truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())  # control characters and runs of spaces: one space
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _mask(match: re.Match[str]) -> str:
    # An empty match hides nothing: masking it would put `***` between every
    # character of the title, so it is left alone (a pattern such as `a*`
    # masks the runs of `a` only).
    return MASK if match.group() else ""


def redact(title: str, patterns: Sequence[re.Pattern[str]]) -> str:
    """`title` with every non-empty match of every pattern masked, cut to MAX_TITLE_LENGTH."""
    title = title[:4096]  # bounded work for the patterns, far above what is kept
    for rx in patterns:
        title = rx.sub(_mask, title)
    return truncate(title, MAX_TITLE_LENGTH)


def app_name(name: str) -> str:
    return truncate(name, MAX_APP_NAME_LENGTH)
