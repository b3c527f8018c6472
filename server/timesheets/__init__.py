"""Timesheet approval: weeks submitted, approved or rejected; approved weeks are locked."""
