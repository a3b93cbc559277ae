"""Names of the RabbitMQ topology. Every name starts with the prefix (`ORDERS_AMQP_PREFIX`), so
that deployments, and test runs, sharing one broker never see each other's messages.

  events   (topic)   domain events, routing key = event name; each work queue binds the
                     events of its consumer
  <consumer>         work queue, durable; dead-letters to `dead` as a safety net
  retry    (topic)   a message to retry is published here as `<consumer>.<delay ms>`;
  retry.<delay ms>   one delay queue per back-off level (queue TTL), bound to `*.<delay ms>`,
                     dead-letters to `requeue` when the delay is over
  requeue  (topic)   routes `<consumer>.*` back to that consumer's work queue only
  dead     (direct)  routes `<consumer>` to its parking lot `<consumer>.parked`
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.messages import Consumer


def delay_ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


@dataclass(frozen=True, slots=True)
class Names:
    prefix: str

    @property
    def events(self) -> str:
        return f"{self.prefix}.events"

    @property
    def retry(self) -> str:
        return f"{self.prefix}.retry"

    @property
    def requeue(self) -> str:
        return f"{self.prefix}.requeue"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    def work_queue(self, consumer: Consumer) -> str:
        return f"{self.prefix}.{consumer.value}"

    def parking_lot(self, consumer: Consumer) -> str:
        return f"{self.prefix}.{consumer.value}.parked"

    def delay_queue(self, seconds: float) -> str:
        return f"{self.prefix}.retry.{delay_ms(seconds)}ms"
