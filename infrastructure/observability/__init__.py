"""Logs, metrics and health: what operators need to see the service at work."""
