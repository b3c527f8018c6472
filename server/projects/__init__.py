"""Projects and their tasks."""
