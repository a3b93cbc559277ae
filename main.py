"""The command line of the order service: each role of the service, and its operations.

It builds nothing itself: each command asks the composition root (`bootstrap.py`) for what it
runs, importing it when it runs, so that `--help` does not load the whole app (strawberry,
SQLAlchemy, uvicorn, aio-pika). Only `serve` and `run` import the API's part (`api_app.py`):
a worker, relay, carrier or `dlq` command loads no strawberry, graphql-core, schema or
resolvers. Two commands stay lighter still: `token` signs with the auth module alone, and
`serve` hands uvicorn api_app's factory by name, so that its worker processes build the app and
the parent, which only supervises them, never loads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from domain.member import Role
from domain.messages import Consumer
from infrastructure.observability.logs import configure_logging
from infrastructure.settings import Settings, SettingsError, load_settings, warn_about_settings

if TYPE_CHECKING:
    import uvicorn

    from bootstrap import Services

# Plain help: Typer's rich panels label every flag (--help, --all) with a `<bool>` value that
# no flag takes; the plain formatter writes flags as flags.
cli = typer.Typer(
    help="Order service of an online bookstore.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"max_content_width": 120},
)
dlq = typer.Typer(
    help="Parked messages and orders marked for an operator: list, show, replay, purge, resolve.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cli.add_typer(dlq, name="dlq")


class WorkerKind(StrEnum):
    STOCK = "stock"
    PAYMENT = "payment"
    DELIVERY = "delivery"
    CACHE = "cache"
    ALL = "all"


WORKER_START_SECONDS = 60
"""How long each of `ORDERS_WORKERS` processes may take to import and start serving, and to
answer its supervisor's pings, before uvicorn kills it and starts another. Its default, 5 s, is
less than a start takes on a busy two-core machine: no process ever became ready."""


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from exc
    configure_logging(settings.effective_log_format)
    return settings


def _check_before_work(
    settings: Settings,
    *,
    database: bool = False,
    broker: bool = False,
    cache: bool = False,
    listen: Mapping[str, int | None] | None = None,
) -> None:
    """What the command needs is there and answers, or one line naming the setting and an
    exit, before it migrates, seeds, prints or serves anything. Then the warnings."""
    from infrastructure.startup_checks import StartupRefused, check_before_work

    try:
        warnings = asyncio.run(
            check_before_work(
                database_url=settings.database_url if database else None,
                amqp_url=settings.amqp_url if broker else None,
                redis_url=settings.redis_url if cache else None,
                listen={
                    setting: (settings.host, port)
                    for setting, port in (listen or {}).items()
                    if port is not None
                },
            )
        )
    except StartupRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=exc.exit_code) from exc
    warn_about_settings(settings)
    for warning in warnings:
        logging.getLogger("orders").warning(warning)


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


async def _run_background(
    settings: Settings, consumers: Sequence[Consumer], *, relay: bool, carrier: bool
) -> None:
    """Run workers / relay / carrier clock until SIGTERM or SIGINT, then stop gracefully."""
    from bootstrap import Background, build_services, health_server

    services = build_services(settings)
    background = Background(services)
    _on_signals(background.stop)
    health: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    try:
        await background.start(consumers, relay=relay, carrier=carrier)
        if settings.health_port is not None:
            health = health_server(services, settings.health_port)
            serving = asyncio.create_task(health.serve())
        roles = [c.value for c in consumers] + ["relay"] * relay + ["carrier"] * carrier
        logging.getLogger("orders").info("running: %s", ", ".join(roles))
        await background.stop.wait()
    finally:
        if health is not None and serving is not None:
            # stopped as uvicorn stops itself (the signal may have reached it already), not
            # cancelled: a cancelled lifespan logs a traceback
            health.should_exit = True
            await serving
        await background.shutdown()
        await services.close()
    if background.failed:
        raise typer.Exit(code=3)


@cli.command()
def migrate(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="apply nothing; exit 1 unless every migration is applied (a role's init"
            " container waits on this while the migration job runs)",
        ),
    ] = False,
) -> None:
    """Apply every pending database migration."""
    from bootstrap import database_migrated, migrate_database

    settings = _settings()
    _check_before_work(settings, database=True)
    if check:
        if not asyncio.run(database_migrated(settings)):
            typer.echo("database is not at the latest migration", err=True)
            raise typer.Exit(code=1)
    else:
        migrate_database(settings)
    typer.echo("database is at the latest migration")


@cli.command()
def probe(
    ready: Annotated[bool, typer.Option("--ready", help="/readyz instead of /healthz")] = False,
) -> None:
    """Exit 0 when this process's role answers its health check: the API on ORDERS_PORT, any
    other role on ORDERS_HEALTH_PORT (a container's HEALTHCHECK, run every few seconds: with
    the standard library's client, as httpx would load click, rich and pygments)."""
    import urllib.request

    settings = _settings()
    port = settings.health_port or settings.port
    path = "/readyz" if ready else "/healthz"
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    try:
        with direct.open(f"http://127.0.0.1:{port}{path}", timeout=3) as answer:
            answered = answer.status == 200
    except OSError:  # refused, timed out, or answered with an error status (HTTPError)
        answered = False
    if not answered:
        typer.echo(f"probe: no healthy answer on port {port}{path}", err=True)
        raise typer.Exit(code=1)


@cli.command()
def seed() -> None:
    """Load the demo catalogue (books already present are left alone)."""
    from bootstrap import seed_database

    settings = _settings()
    _check_before_work(settings, database=True)
    added = asyncio.run(seed_database(settings))
    typer.echo(f"demo catalogue: {added} books added")


@contextlib.contextmanager
def _metrics_shared_by_workers(settings: Settings) -> Iterator[None]:
    """`ORDERS_WORKERS` processes share one port, so a scrape reaches any one of them: unless
    ORDERS_METRICS_DIR says where, they share a directory of their own, removed afterwards."""
    if settings.workers == 1 or settings.metrics_dir is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="orders-metrics-") as directory:
        os.environ["ORDERS_METRICS_DIR"] = directory  # the workers' processes inherit it
        yield


@cli.command()
def serve() -> None:
    """The GraphQL API only (stateless: ORDERS_WORKERS processes here, as many hosts as needed)."""
    from infrastructure.http_server import serve_api

    settings = _settings()
    _check_before_work(settings, database=True, cache=True, listen={"ORDERS_PORT": settings.port})
    with _metrics_shared_by_workers(settings):
        # each worker process builds the app with bootstrap's factory; this one builds nothing
        serve_api(settings, "api_app:app_from_environment", start_seconds=WORKER_START_SECONDS)


@cli.command()
def worker(kind: Annotated[WorkerKind, typer.Argument(help="which consumer, or all")]) -> None:
    """Consume one work queue (or all of them) until SIGTERM."""
    consumers = list(Consumer) if kind is WorkerKind.ALL else [Consumer(kind.value)]
    settings = _background_settings(broker=True)
    asyncio.run(_run_background(settings, consumers, relay=False, carrier=False))


@cli.command()
def relay() -> None:
    """Publish the outbox to the broker until SIGTERM (several may run at once)."""
    settings = _background_settings(broker=True)
    asyncio.run(_run_background(settings, [], relay=True, carrier=False))


@cli.command()
def carrier() -> None:
    """Run the simulated carrier: parcels move one step per ORDERS_CARRIER_STEP_SECONDS."""
    settings = _background_settings(broker=False)
    asyncio.run(_run_background(settings, [], relay=False, carrier=True))


def _background_settings(*, broker: bool) -> Settings:
    settings = _settings()
    _check_before_work(
        settings,
        database=True,
        broker=broker,
        cache=True,
        listen={"ORDERS_HEALTH_PORT": settings.health_port},
    )
    return settings


async def _run_everything(settings: Settings) -> None:
    from api_app import api_server
    from bootstrap import Background, build_services, settle_garbage_collector

    services = build_services(settings)
    added = await services.seed_demo()
    if added:
        typer.echo(f"demo catalogue: {added} books added")
    background = Background(services)
    await background.start(list(Consumer), relay=True, carrier=True)
    server = api_server(services)
    if not settings.is_production:  # GraphiQL is off in production
        typer.echo(f"GraphiQL: http://{settings.host}:{settings.port}/graphql")
    typer.echo(f"The shop: http://{settings.host}:{settings.port}/")
    settle_garbage_collector()
    # the consumer watchdog stops the background work: the server goes with it
    stopping = asyncio.create_task(_exit_when_set(background.stop, server))
    try:
        await server.serve()
    finally:
        stopping.cancel()
        await background.shutdown()
        await services.close()
    if background.failed:
        raise typer.Exit(code=3)


async def _exit_when_set(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True


@cli.command()
def run() -> None:
    """Everything in one process: migrate, seed, API, relay, workers and the carrier."""
    from bootstrap import migrate_database

    settings = _settings()
    _check_before_work(
        settings, database=True, broker=True, cache=True, listen={"ORDERS_PORT": settings.port}
    )
    migrate_database(settings)
    asyncio.run(_run_everything(settings))


@cli.command()
def token(
    member: Annotated[str, typer.Option(help="member id (the token's sub)")],
    role: Annotated[Role, typer.Option(help="customer or staff")] = Role.CUSTOMER,
    name: Annotated[str | None, typer.Option(help="display name claim")] = None,
    email: Annotated[str | None, typer.Option(help="email claim")] = None,
) -> None:
    """Mint a development bearer token signed with ORDERS_JWT_SECRET."""
    from infrastructure.auth import mint_token

    settings = _settings()
    warn_about_settings(settings)
    if settings.is_production:
        typer.echo("token: refusing to mint tokens in production", err=True)
        raise typer.Exit(code=2)
    typer.echo(
        mint_token(
            secret=settings.effective_jwt_secret,
            member_id=member,
            role=role,
            name=name,
            email=email,
        )
    )


ConsumerOption = Annotated[Consumer | None, typer.Option(help="one consumer (default: all)")]


def _dlq_settings() -> Settings:
    settings = _settings()
    if settings.amqp_url.startswith("memory://"):
        typer.echo(
            "dlq: ORDERS_AMQP_URL is memory://, whose parked messages live inside `main.py run`;"
            " point it at RabbitMQ",
            err=True,
        )
        raise typer.Exit(code=2)
    _check_before_work(settings, broker=True)
    return settings


@contextlib.asynccontextmanager
async def _with_broker(settings: Settings) -> AsyncIterator[Services]:
    """The services with their broker started, closed at the end."""
    from bootstrap import build_services

    services = build_services(settings)
    await services.broker.start()
    try:
        yield services
    finally:
        await services.close()


async def _list(settings: Settings, consumers: Sequence[Consumer], limit: int) -> None:
    from bootstrap import marked_orders

    async with _with_broker(settings) as services:
        for consumer in consumers:
            for parked in await services.broker.parked(consumer, limit):
                when = parked.parked_at.isoformat(timespec="seconds") if parked.parked_at else "-"
                typer.echo(
                    f"{parked.message_id}  {parked.consumer:8}  {parked.name:18}  "
                    f"order {parked.order_id}  attempts {parked.attempts}  {when}  {parked.error}"
                )
        for marked in await marked_orders(services, limit):
            typer.echo(
                f"order {marked.order_id}  {marked.number}  {marked.status}  "
                f"needs attention: {marked.note}"
            )


@dlq.command("list")
def dlq_list(
    consumer: ConsumerOption = None,
    limit: Annotated[int, typer.Option(help="at most this many per consumer")] = 100,
) -> None:
    """Parked messages (id, consumer, event, order, attempts, time parked, last error), then
    the orders marked for an operator, and why."""
    consumers = [consumer] if consumer else list(Consumer)
    asyncio.run(_list(_dlq_settings(), consumers, limit))


ParkedAction = Callable[["Services", Consumer, str], Awaitable[bool]]
"""Does something with the parked message of this id if this consumer holds it; whether it did."""


def _on_parked_message(act: ParkedAction, message_id: str, consumer: Consumer | None) -> None:
    """`act` on the parked message of this id, asking one consumer after the other until one
    holds it (only `consumer`, if given); exit code 1 when none does."""
    settings = _dlq_settings()
    consumers = [consumer] if consumer else list(Consumer)

    async def act_on_the_first() -> bool:
        async with _with_broker(settings) as services:
            for each in consumers:
                if await act(services, each, message_id):
                    return True
        return False

    if not asyncio.run(act_on_the_first()):
        typer.echo(f"dlq: no parked message {message_id}", err=True)
        raise typer.Exit(code=1)


async def _show(services: Services, consumer: Consumer, message_id: str) -> bool:
    for parked in await services.broker.parked(consumer, 10_000):
        if parked.message_id == message_id:
            for key, value in asdict(parked).items():
                typer.echo(f"{key}: {value}")
            return True
    return False


@dlq.command("show")
def dlq_show(message_id: str, consumer: ConsumerOption = None) -> None:
    """One parked message in full, body included."""
    _on_parked_message(_show, message_id, consumer)


async def _replay(services: Services, consumer: Consumer, message_id: str) -> bool:
    if not await services.broker.replay(consumer, message_id):
        return False
    typer.echo(f"replayed {message_id} to {consumer.value}")
    return True


@dlq.command("replay")
def dlq_replay(message_id: str, consumer: ConsumerOption = None) -> None:
    """Put a parked message back on its work queue, with a fresh attempt count."""
    _on_parked_message(_replay, message_id, consumer)


@dlq.command("resolve")
def dlq_resolve(order_id: UUID) -> None:
    """Clear an order's needs-attention mark once it has been dealt with."""
    from bootstrap import clear_mark

    settings = _settings()
    _check_before_work(settings, database=True)
    if not asyncio.run(clear_mark(settings, order_id)):
        typer.echo(f"dlq: order {order_id} is not marked", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"order {order_id}: mark cleared")


async def _purge(settings: Settings, consumers: Sequence[Consumer]) -> None:
    async with _with_broker(settings) as services:
        for consumer in consumers:
            typer.echo(f"{consumer.value}: {await services.broker.purge(consumer)} purged")


@dlq.command("purge")
def dlq_purge(
    consumer: Annotated[
        Consumer | None, typer.Option(help="this consumer's parked messages")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="every consumer's parked messages, without asking")
    ] = False,
) -> None:
    """Delete parked messages for good: one consumer's, or every consumer's (asked first)."""
    if consumer is not None and every:
        typer.echo("dlq purge: give --consumer or --all, not both", err=True)
        raise typer.Exit(code=2)
    settings = _dlq_settings()
    if consumer is None and not every:
        typer.confirm(
            "Delete every parked message of every consumer (stock, payment, delivery) for good?",
            abort=True,
        )
    asyncio.run(_purge(settings, [consumer] if consumer else list(Consumer)))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        cli()
