"""Batch sync: idempotent, set-based ingest of time entries and activity."""
