"""What the agent collects at the organization's current policy, in plain
words for the employee (Qt-free). Keep it true to what agent/core does."""

from __future__ import annotations

from shared.enums import AppTracking
from shared.schemas import TrackingPolicy

BLUR_WORDS = {
    0: "not blurred",
    1: "lightly blurred",
    2: "blurred (text is hard to read)",
    3: "strongly blurred (only shapes and colours remain)",
}


def _span(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _apps(policy: TrackingPolicy) -> str:
    if policy.app_tracking is AppTracking.OFF:
        return "Not recorded: your organization has turned application tracking off."
    said = (
        "For each minute: the name of the program in front (for example firefox), "
        "and for how many seconds."
    )
    if policy.app_tracking is AppTracking.TITLES:
        masked = " after your organization's masking rules" if policy.redaction_patterns else ""
        return (
            said[:-1] + f", with its window title{masked}. Websites appear only as part "
            "of a browser's window title."
        )
    return said + " Not the window titles, not which websites."


def collected(policy: TrackingPolicy) -> list[tuple[str, str]]:
    """(topic, sentence) pairs, in the order a worried employee asks."""
    if policy.screenshots_enabled:
        shots = (
            "One picture of your screens at a random moment "
            f"every {_span(policy.screenshot_interval_seconds)} while you track, "
            f"{BLUR_WORDS.get(policy.blur_level, 'blurred')}"
            + (" on this computer, before it is stored or sent" if policy.blur_level else "")
            + ". None while you are idle, paused or stopped."
        )
        if policy.allow_screenshot_delete:
            shots += (
                f" You can delete one within {policy.screenshot_delete_window_minutes} minutes,"
                " before it is uploaded."
            )
        else:
            shots += " Your organization does not allow deleting them."
    else:
        shots = "Off: no screenshots are taken."
    return [
        ("Time", "When you start and stop, the project and task you choose, and your note."),
        ("Screenshots", shots),
        (
            "Activity",
            "For each minute: how many keys you pressed and how many mouse events there "
            "were, as numbers, and how regular the input was (how evenly spaced, how many "
            "different pointer positions). Which keys you pressed, and where the pointer "
            "was, is never recorded.",
        ),
        (
            "Idle",
            f"After {_span(policy.idle_timeout_seconds)} without "
            "keyboard or mouse input you count as away; you decide what happens to that time.",
        ),
        ("Apps and websites", _apps(policy)),
        (
            "Only while tracking",
            "Nothing is recorded while the timer is stopped or paused.",
        ),
    ]
