"""Messaging: the broker port, RabbitMQ and in-process adapters, the relay and the workers."""
