"""Adapters: the database, the cache, messaging, auth and settings."""
