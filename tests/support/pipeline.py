"""The order pipeline (relay, workers, carrier clock) run in the test's own process."""

from __future__ import annotations

from collections.abc import Sequence

from httpx import ASGITransport

from api_app import create_app
from bootstrap import Background, Services
from domain.messages import Consumer


class Pipeline:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._background: Background | None = None

    async def start(
        self,
        consumers: Sequence[Consumer] = tuple(Consumer),
        *,
        relay: bool = True,
        carrier: bool = True,
    ) -> None:
        assert self._background is None, "the pipeline runs already"
        self._background = Background(self._services)
        # the carrier reports through our webhook, over HTTP into the app, in this process
        webhook = ASGITransport(app=create_app(self._services))
        await self._background.start(
            consumers, relay=relay, carrier=carrier, carrier_transport=webhook
        )

    async def stop(self) -> None:
        if self._background is not None:
            await self._background.shutdown()
            self._background = None

    async def release(self) -> None:
        """The test is done with the pipeline: here, stopped with it."""
        await self.stop()
