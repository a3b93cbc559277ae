"""The unit of work's repositories: Core SQL on the unit's one connection."""
