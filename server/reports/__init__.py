"""Manager reports: daily and team totals, timesheet entries, activity slots, exports."""
