"""Teams and their managers: who sees whose reports."""
