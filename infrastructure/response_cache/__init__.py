"""The response cache's adapters: whole GraphQL answers kept by operation (and viewer),
dropped by entity (the port and the tags: `domain/answers.py`; what is kept and for how long:
`schema/response_cache/`).

`redis_store.py` and `memory_store.py` are the store, `invalidation.py` the consumer that drops
answers on events.
"""
