"""Analytics: tracked, billable and billed time, tasks done, busiest hours."""
