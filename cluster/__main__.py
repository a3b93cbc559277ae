"""`python -m cluster [--seconds N] [--port P]` (`make cluster`): the service as a cluster on
this machine, on the real PostgreSQL, Redis and RabbitMQ.

It starts two API processes behind HAProxy, two workers of each kind, two relays and the
carrier, on a database, a Redis key prefix and RabbitMQ names of its own (quorum queues);
follows one order from the demo catalogue through the balancer to DELIVERED; then serves the
shop at the balancer's address until Ctrl-C or the time limit, stops every process gracefully
and removes its database, keys and queues.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets

from cluster import resources
from cluster.balancer import BalancerMissing, haproxy
from cluster.supervisor import Cluster, Topology
from infrastructure.auth import mint_token
from infrastructure.database.engine import create_engine
from infrastructure.database.seed import seed_demo_catalogue
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings

POSTGRES_ADMIN_URL = os.environ.get(
    "CLUSTER_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("CLUSTER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
DEFAULT_PORT = 8080
DEFAULT_SECONDS = 900
CARRIER_STEP_SECONDS = 2.0

PRODUCTS = "{ products(first: 1) { edges { node { id title } } } }"
PLACE_ORDER = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number status } errors { code message } }
}
"""
FOLLOW = """
subscription ($id: ID!) { orderStatusChanged(orderId: $id) { status } }
"""


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the command's own output


def _port(wanted: int) -> int:
    """`wanted` when it is free, else a free one."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", wanted))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def own_services(name: str) -> AsyncIterator[Settings]:
    """Settings on a database, cache prefix and queue names of this cluster, all removed at
    the end; the database migrated and holding the demo catalogue."""
    async with resources.own_database(POSTGRES_ADMIN_URL, name) as database_url:
        settings = load_settings(
            env="development",
            database_url=database_url,
            redis_url=REDIS_URL,
            amqp_url=AMQP_URL,
            cache_prefix=name,
            amqp_prefix=name,
            jwt_secret=secrets.token_urlsafe(48),
            carrier_step_seconds=CARRIER_STEP_SECONDS,
            queue_type="quorum",
        )
        engine = create_engine(database_url)
        try:
            await seed_demo_catalogue(engine)
        finally:
            await engine.dispose()
        try:
            yield settings
        finally:
            await resources.forget_cache_keys(REDIS_URL, name)
            await resources.delete_topology(AMQP_URL, Names(name), settings.retry_delays)


async def _graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()["data"]
    return data


async def follow_one_order(cluster: Cluster) -> None:
    """A member orders the first book through the balancer and watches it, over a
    subscription through the balancer too, until it is delivered."""
    token = mint_token(
        secret=cluster.settings.effective_jwt_secret, member_id="cluster-demo", name="김민준"
    )
    async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as client:
        book = (await _graphql(client, PRODUCTS, {}, token))["products"]["edges"][0]["node"]
        order_input = {
            "items": [{"productId": book["id"], "quantity": 1}],
            "shippingAddress": {
                "recipient": "김민준",
                "line1": "서울특별시 종로구 종로 1",
                "zipCode": "03154",
                "phone": "010-1234-5678",
            },
            "idempotencyKey": f"cluster-demo-{secrets.token_hex(4)}",
        }
        placed = await _graphql(client, PLACE_ORDER, {"input": order_input}, token)
        order = placed["placeOrder"]["order"]
    say(f"placed order {order['number']} for 「{book['title']}」 through the balancer")
    ws_url = cluster.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        await asyncio.wait_for(ws.recv(), 10)
        subscribe = {"query": FOLLOW, "variables": {"id": order["id"]}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message["type"] != "next":
                break
            say(f"  status: {message['payload']['data']['orderStatusChanged']['status']}")


def _describe(cluster: Cluster, workdir: Path) -> None:
    say(f"\nthe shop: {cluster.url}/   GraphiQL: {cluster.url}/graphql   (through HAProxy)")
    say(f"metrics of the whole cluster: {cluster.url}/metrics")
    say("running:")
    for name, pid in cluster.pids().items():
        port = cluster.running[name].role.port if name in cluster.running else cluster.port
        say(f"  {name:12} pid {pid:7}  port {port}")
    say(f"logs: {workdir}/<name>.log, HAProxy's request log in {workdir}/haproxy.log")


async def run_cluster(port: int, seconds: float, workdir: Path) -> None:
    name = f"orders_cluster_{secrets.token_hex(3)}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    say(f"cluster {name}: database, Redis prefix and RabbitMQ names of its own")
    async with own_services(name) as settings:
        cluster = Cluster(settings, workdir, port=_port(port))
        try:
            await cluster.start(Topology())
            _describe(cluster, workdir)
            await follow_one_order(cluster)
            say(f"\nserving until Ctrl-C, or for {seconds:.0f} s")
            await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=seconds)
        finally:
            say("stopping: the balancer, then every process (SIGTERM, graceful)")
            await cluster.stop()
    say(f"stopped; database {name}, its Redis keys and RabbitMQ queues removed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the balancer's port")
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help="stop by itself after this long"
    )
    parser.add_argument("--keep-logs", action="store_true", help="leave the logs behind")
    args = parser.parse_args()
    try:
        haproxy()  # before anything is created: is the balancer there at all?
    except BalancerMissing as exc:
        raise SystemExit(f"cluster: {exc}") from None
    workdir = Path(tempfile.mkdtemp(prefix="orders-cluster-"))
    try:
        asyncio.run(run_cluster(args.port, args.seconds, workdir))
    finally:
        if args.keep_logs:
            say(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
