"""Benchmarks of the order service, each against a raw baseline doing the same work (issue #4)."""
