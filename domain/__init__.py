"""Pure rules of the order service: entities, value objects, the status table.

Nothing here imports infrastructure; adapters map to and from these types.
"""
