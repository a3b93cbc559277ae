"""Removing a test run's exchanges and queues from the shared RabbitMQ."""

from cluster.resources import delete_topology

__all__ = ["delete_topology"]
