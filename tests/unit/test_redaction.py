"""Window-title redaction (shared/redaction.py), the same on agent and server."""

from __future__ import annotations

from shared.redaction import compile_patterns, redact


def test_a_pattern_that_can_match_the_empty_text_masks_only_what_it_matches():
    # `a|` and `a*` also match between characters; those empty matches hide
    # nothing and must not put `***` between every character of the title.
    assert redact("banana", compile_patterns(["a|"])) == "b***n***n***"
    assert redact("baaad", compile_patterns(["a*"])) == "b***d"
    assert redact("title", compile_patterns(["^"])) == "title"


def test_digits_and_words_are_masked():
    assert redact("Invoice 4711 secret", compile_patterns([r"\d+", "secret"])) == "Invoice *** ***"
