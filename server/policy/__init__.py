"""The organization's tracking policy, which every agent obeys."""
