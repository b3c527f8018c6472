"""Everything that decides. Plain Python: never imports Qt, pynput or mss, so
that all of it is unit-tested without a display."""
