"""Adapters of the carrier port."""
