"""Integrations: connectors to other time trackers, imports, and (later) two-way sync."""
