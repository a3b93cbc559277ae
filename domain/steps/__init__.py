"""The workers' steps of the order's life, one module per consumer.

Each step handles a message in one unit of work: skip it when the inbox says it was handled,
apply the change, move the order, write the next message, commit. A step whose outside call
(gateway, carrier) must not sit inside a transaction splits into decide / call / apply, and the
apply transaction re-checks the order, since a cancellation may have come in between.
"""
