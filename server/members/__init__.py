"""Members of an organization: invite, list, change role, deactivate."""
