"""The response cache: whole GraphQL answers kept by operation (and viewer), dropped by entity.

`store.py` is the port, `redis_store.py` and `memory_store.py` its adapters, `tags.py` the
entities an answer is filed under, `invalidation.py` the consumer that drops them on events.
"""
