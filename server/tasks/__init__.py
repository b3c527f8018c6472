"""Tasks of projects: status, priority, due date, estimate, tags, assignee, ticket."""
