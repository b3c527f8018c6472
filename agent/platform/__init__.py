"""OS services behind small interfaces: input counting, screen capture,
single-instance lock. Heavy or display-bound imports (pynput, mss) happen
inside functions so that importing this package never needs a display."""
