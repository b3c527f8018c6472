"""Activities: the kinds of work (development, meeting, support), billable or not."""
