"""The demo organization: seeded history and a live day."""
