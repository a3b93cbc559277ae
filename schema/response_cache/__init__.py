"""The response cache's side of the schema: how long each type may be served from the cache and
to whom (`hints.py`), what an operation holds (`plan.py`), and the extension that serves and
keeps answers (`extension.py`). The store and its invalidation: `infrastructure/response_cache/`.
"""
