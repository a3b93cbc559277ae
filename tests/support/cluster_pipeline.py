"""The order pipeline as processes of a cluster behind the balancer, for the acceptance run
through it (`pytest --through-balancer`): two workers of each kind asked for, two relays and
the carrier.

Starting a dozen Python processes for every test was most of the balancer pass's time, so the
processes outlive a test when the test run next asks for the pipeline too: they wait for it
paused (SIGSTOP), doing nothing until it calls `start`, which retires those it does not ask for,
lets the others go on and adds what is missing. Before any other test they stop, as they do
when a test calls `stop`; the cluster stops the rest when the run ends. The tests that ask for
the pipeline run one after another (`asks_for_the_pipeline` in tests/conftest.py), so the
processes are started once for them all, save where a test stops them or asks for more."""

from __future__ import annotations

from collections.abc import Sequence

from bootstrap import Services
from cluster.supervisor import Cluster, Topology
from domain.messages import Consumer
from tests.support.pipeline import Pipeline


class ClusterPipeline(Pipeline):
    def __init__(self, services: Services, cluster: Cluster, *, kept_for_next: bool) -> None:
        super().__init__(services)
        self._cluster = cluster
        self._kept_for_next = kept_for_next
        self._started = False

    async def start(
        self,
        consumers: Sequence[Consumer] = tuple(Consumer),
        *,
        relay: bool = True,
        carrier: bool = True,
    ) -> None:
        assert not self._started, "the pipeline runs already"
        self._started = True
        await self._services.broker.start()  # as the in-process pipeline does: tests read
        # the parking lots through it
        wanted = Topology(
            relays=2 if relay else 0, carriers=1 if carrier else 0, consumers=tuple(consumers)
        ).background()
        wanted_names = {role.name for role in wanted}
        kept = self._background_roles()
        await self._cluster.retire([name for name in kept if name not in wanted_names])
        self._cluster.unpause([name for name in kept if name in wanted_names])
        await self._cluster.add([role for role in wanted if role.name not in kept])

    async def stop(self) -> None:
        self._started = False
        await self._cluster.retire(self._background_roles())

    async def release(self) -> None:
        if self._kept_for_next:
            self._started = False
            self._cluster.pause(self._background_roles())
        else:
            await self.stop()

    def _background_roles(self) -> list[str]:
        """The names of the cluster's processes that are not API processes (`payment-1`, ...:
        a name says what a process runs)."""
        return [name for name, running in self._cluster.running.items() if not running.role.is_api]
