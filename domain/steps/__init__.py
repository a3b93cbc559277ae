"""The workers' steps of the order's life: a table per consumer (`stock.py`, `payment.py`,
`delivery.py`) saying, per event, how it is handled and what giving up on it means, run by the
machinery in `table.py`, which keeps every message to one effect through the inbox. The
routing of events to consumers is read off the tables (`routing.py`).
"""
