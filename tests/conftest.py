"""Fixtures shared by every tier: a database, a cache prefix and services of this run's own.

Each run creates a PostgreSQL database and a Redis key prefix named after a random run id, so
that runs never see each other's data, and removes both when it ends. Its databases are copies
of one migrated once a run (`TEMPLATE_DATABASE`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import Services, build_services
from cluster import resources
from cluster.supervisor import Cluster
from infrastructure.database.migrate import upgrade_to_head_async
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from tests.support.apps import fresh_address
from tests.support.cluster_pipeline import ClusterPipeline
from tests.support.pipeline import Pipeline
from tests.support.processes import errors_logged_by_the_api
from tests.support.rabbit import delete_topology
from tests.support.statements import StatementLog

POSTGRES_ADMIN_URL = os.environ.get(
    "ORDERS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("ORDERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("ORDERS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
RETRY_DELAYS = (0.2, 0.4, 0.8)
CARRIER_STEP_SECONDS = 0.2
TEST_JWT_SECRET = "test-secret-" + "x" * 60


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--through-balancer",
        action="store_true",
        help="the HTTP end-to-end tests against two API processes behind HAProxy, the pipeline"
        " as processes (two of each worker, two relays, the carrier), on quorum queues",
    )


def through_balancer(config: pytest.Config) -> bool:
    return bool(config.getoption("--through-balancer"))


HTTP_FIXTURES = frozenset({"client", "two_apis"})
IN_PROCESS_FIXTURES = frozenset({"statements", "validations", "parses"})
"""Counting what an app in this process does (SQL statements, documents validated or parsed):
there is no such app behind the balancer."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Through the balancer, the tests that talk HTTP to the API, but those that look inside
    its process (`in_process`), those that ask for the pipeline last; otherwise every test but
    those written for the balancer."""
    balanced = through_balancer(config)

    def selected(item: pytest.Item) -> bool:
        if item.get_closest_marker("balancer") is not None:
            return balanced
        if not balanced:
            return True
        fixtures = set(getattr(item, "fixturenames", ()))
        in_process = bool(IN_PROCESS_FIXTURES & fixtures) or item.get_closest_marker("in_process")
        return bool(HTTP_FIXTURES & fixtures) and not in_process

    deselected = [item for item in items if not selected(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if selected(item)]
    if balanced:
        items.sort(key=asks_for_the_pipeline)


def asks_for_the_pipeline(item: pytest.Item) -> bool:
    """Through the balancer, the tests that ask for the pipeline run one after another (a
    stable sort: each keeps its place among them), so that its processes are started once and
    go from one to the next paused for seconds (tests/support/cluster_pipeline.py), not
    started again after every run of tests that do without them."""
    return "pipeline" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session")
def run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
async def database_url(run_id: str) -> AsyncIterator[str]:
    """A PostgreSQL database for this run, migrated to head, dropped at the end."""
    async with own_database(f"orders_test_{run_id}") as url:
        yield url


TEMPLATE_DATABASE = f"orders_test_template_{secrets.token_hex(4)}"
"""Migrated to head once a run, when a test first asks for a database: every database of the
run is a copy of it (`CREATE DATABASE ... TEMPLATE`), which takes a fraction of a second where
running the migrations again took seconds. Dropped when the run ends."""


@dataclass
class _Template:
    made: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_template = _Template()


async def _admin(*statements: str) -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


async def _migrated_template() -> None:
    async with _template.lock:
        if not _template.made:
            await _admin(f'CREATE DATABASE "{TEMPLATE_DATABASE}"')
            try:
                await upgrade_to_head_async(
                    resources.database_url(POSTGRES_ADMIN_URL, TEMPLATE_DATABASE)
                )
            except BaseException:
                await _admin(f'DROP DATABASE "{TEMPLATE_DATABASE}" WITH (FORCE)')
                raise
            _template.made = True


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _template.made:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DATABASE}" WITH (FORCE)'))


@asynccontextmanager
async def own_database(name: str) -> AsyncIterator[str]:
    """A migrated database of its own, for tests whose relay must see no one else's outbox:
    a copy of the run's template, dropped at the end."""
    await _migrated_template()
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
    try:
        yield resources.database_url(POSTGRES_ADMIN_URL, name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def cache_prefix(run_id: str) -> AsyncIterator[str]:
    prefix = f"orders-test-{run_id}"
    yield prefix
    await resources.forget_cache_keys(REDIS_URL, prefix)


@pytest.fixture(scope="session")
async def amqp_prefix(run_id: str) -> AsyncIterator[str]:
    """Exchange and queue names of this run, deleted when it ends."""
    prefix = f"orders-test-{run_id}"
    yield prefix
    await delete_topology(AMQP_URL, Names(prefix), RETRY_DELAYS)


@pytest.fixture(scope="session")
def settings(
    database_url: str, cache_prefix: str, amqp_prefix: str, pytestconfig: pytest.Config
) -> Settings:
    return load_settings(
        queue_type="quorum" if through_balancer(pytestconfig) else "classic",
        database_url=database_url,
        redis_url=REDIS_URL,
        amqp_url=AMQP_URL,
        amqp_prefix=amqp_prefix,
        cache_prefix=cache_prefix,
        jwt_secret=TEST_JWT_SECRET,
        retry_delays=RETRY_DELAYS,
        carrier_step_seconds=CARRIER_STEP_SECONDS,
        relay_poll_seconds=0.5,
        # rows the tests write straight to the database announce nothing: the cache's own
        # tests turn it on (tests/e2e/test_response_cache.py)
        response_cache=False,
    )


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = build_services(settings)
    yield built
    await built.close()


@pytest.fixture(scope="session")
async def balancer(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> AsyncIterator[Cluster | None]:
    """With `--through-balancer`, two API processes behind HAProxy on this run's services (the
    pipeline's processes join it when a test starts the pipeline); None otherwise."""
    if not through_balancer(pytestconfig):
        yield None
        return
    cluster = Cluster(settings, tmp_path_factory.mktemp("cluster"))
    try:
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()


@pytest.fixture
async def client(services: Services, balancer: Cluster | None) -> AsyncIterator[AsyncClient]:
    """HTTP to the app in this process, or through the balancer with `--through-balancer`."""
    if balancer is not None:
        async with AsyncClient(base_url=balancer.url, timeout=30) as http:
            with errors_logged_by_the_api(balancer) as logged:
                yield http
            assert logged() == [], "the API processes logged errors"
        return
    transport = ASGITransport(app=create_app(services), client=(fresh_address(), 123))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def statements(services: Services) -> Iterator[StatementLog]:
    with StatementLog.attached(services.engine) as log:
        yield log


NEXT_TEST = pytest.StashKey["pytest.Item | None"]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Remember which test runs next: the pipeline's processes behind the balancer wait for it
    when it asks for the pipeline too (tests/support/cluster_pipeline.py)."""
    item.stash[NEXT_TEST] = nextitem


@pytest.fixture
async def pipeline(
    request: pytest.FixtureRequest, services: Services, balancer: Cluster | None
) -> AsyncIterator[Pipeline]:
    """Relay, workers and carrier clock in this process (or, with `--through-balancer`, as
    processes of the cluster); `start` picks which run."""
    if balancer is None:
        running = Pipeline(services)
    else:
        following = request.node.stash.get(NEXT_TEST, None)
        running = ClusterPipeline(
            services,
            balancer,
            kept_for_next=following is not None and asks_for_the_pipeline(following),
        )
    yield running
    await running.release()


def run_id_of(settings: Settings) -> str:
    """The name of this run's database, to name others after it."""
    return settings.database_url.rsplit("/", 1)[1]
