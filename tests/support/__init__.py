"""Test helpers shared by the suites (real databases, real processes)."""
