"""The order pipeline as processes of a cluster behind the balancer, for the acceptance run
through it (`pytest --through-balancer`): two workers of each kind asked for, two relays and
the carrier, started by `start` and stopped gracefully by `stop`, as the in-process one is."""

from __future__ import annotations

from collections.abc import Sequence

from bootstrap import Services
from cluster.supervisor import Cluster, Role, Topology
from domain.messages import Consumer
from tests.support.pipeline import Pipeline


class ClusterPipeline(Pipeline):
    def __init__(self, services: Services, cluster: Cluster) -> None:
        super().__init__(services)
        self._cluster = cluster
        self._roles: list[Role] = []

    async def start(
        self,
        consumers: Sequence[Consumer] = tuple(Consumer),
        *,
        relay: bool = True,
        carrier: bool = True,
    ) -> None:
        assert not self._roles, "the pipeline runs already"
        await self._services.broker.start()  # as the in-process pipeline does: tests read
        # the parking lots through it
        topology = Topology(
            relays=2 if relay else 0, carriers=1 if carrier else 0, consumers=tuple(consumers)
        )
        self._roles = topology.background()
        await self._cluster.add(self._roles)

    async def stop(self) -> None:
        roles, self._roles = self._roles, []
        await self._cluster.retire([role.name for role in roles])
