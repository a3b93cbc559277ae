"""Adapters of the payment gateway port."""
