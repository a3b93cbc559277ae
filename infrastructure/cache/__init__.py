"""The cache port and its adapter; `create_cache` picks the backend from the URL."""

from infrastructure.cache.port import Cache
from infrastructure.cache.resilient import create_cache

__all__ = ["Cache", "create_cache"]
