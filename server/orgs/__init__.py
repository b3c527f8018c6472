"""Organizations: members and roles, tracking policy, teams."""
