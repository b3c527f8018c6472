"""What the agent collects at the organization's current policy, in plain
words for the employee (Qt-free). Keep it true to what agent/core does."""

from __future__ import annotations

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
            "were, as numbers. Which keys you pressed is never recorded.",
        ),
        (
            "Idle",
            f"After {_span(policy.idle_timeout_seconds)} without "
            "keyboard or mouse input you count as away; you decide what happens to that time.",
        ),
        (
            "Apps and websites",
            "Not recorded: Hubnity does not log which programs or sites you use.",
        ),
        (
            "Only while tracking",
            "Nothing is recorded while the timer is stopped or paused.",
        ),
    ]
