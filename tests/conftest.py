"""Shared fixtures: settings, a served app, and a GraphQL client over real HTTP."""

import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web_app
from aiohttp.test_utils import TestClient

from invoicegraph.app import RESOURCES, create_app
from invoicegraph.settings import ApiKeyConfig, Settings
from store.client import Database, open_database
from store.invoices import InvoiceStore

# The `database` fixture on both backends; `mongodb_uri`, the MongoDB-speaking server.
pytest_plugins = ["tests.wire_server", "tests.backends"]

TEST_KEYS = [
    ApiKeyConfig(key="acme-reader-key", account="acme", scopes=["read"], name="acme-reader"),
    ApiKeyConfig(
        key="demo-writer-key", account="demo", scopes=["read", "write"], name="demo-writer"
    ),
]


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """A response body without `extensions.cost`, which every GraphQL answer reports."""
    extensions = {k: v for k, v in (body.get("extensions") or {}).items() if k != "cost"}
    rest = {k: v for k, v in body.items() if k != "extensions"}
    return {**rest, "extensions": extensions} if extensions else rest


@dataclass
class GraphQLClient:
    """Posts GraphQL documents to the served app with a bearer key."""

    http: TestClient
    key: str | None = "demo-key"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **extra: Any
    ) -> tuple[int, dict[str, Any]]:
        body = {"query": query, "variables": variables, **extra}
        response = await self.http.post("/graphql", json=body, headers=self.headers())
        return response.status, await response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful response (fails the test on any error)."""
        status, body = await self.post(query, variables)
        assert status == 200, body
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    @property
    def invoices(self) -> InvoiceStore:
        store = self.http.app[RESOURCES].invoices
        assert store is not None
        return store

    @property
    def commands(self) -> int:
        database = self.http.app[RESOURCES].database
        assert database is not None
        return database.commands.total


ServeFactory = Callable[..., Awaitable[GraphQLClient]]


# Mongoeco's stand-in builds compound unique indexes in quadratic time (docs/drivers.md).
MONGODB_DEMO_INVOICES_PER_ACCOUNT = 30
# The stand-in is pure Python, sharing a loaded machine: the default 5 s is for production.
MONGODB_TIMEOUT_MS = 30_000


@pytest.fixture
async def serve(aiohttp_client: Any, request: pytest.FixtureRequest) -> AsyncIterator[ServeFactory]:
    """Start the app with the given settings overrides; demo data off unless asked for.

    On the embedded store, or on the `backend` fixture's when the test uses it: on
    `mongodb`, each app gets a database of its own, dropped afterwards, and the demo data
    has MONGODB_DEMO_INVOICES_PER_ACCOUNT generated invoices per account.
    """
    # The test's parameter (tests/backends.py), not a fixture `serve` could depend on.
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("backend") if callspec is not None else None
    uri: str | None = request.getfixturevalue("mongodb_uri") if backend == "mongodb" else None
    databases: list[str] = []

    async def start(shared_database: Database | None = None, **overrides: Any) -> GraphQLClient:
        """`shared_database`: one the test opened, shared by several apps (processes)."""
        overrides.setdefault("demo_data", False)
        overrides.setdefault("api_keys", TEST_KEYS)
        overrides.setdefault("mongodb_uri", uri)
        if uri is not None:
            overrides.setdefault("database", f"invoicegraph_test_{uuid.uuid4().hex[:8]}")
            overrides.setdefault("demo_invoices_per_account", MONGODB_DEMO_INVOICES_PER_ACCOUNT)
            overrides.setdefault("database_timeout_ms", MONGODB_TIMEOUT_MS)
            databases.append(overrides["database"])
        settings = Settings(**overrides)
        # The app adds the demo key itself only to the embedded store's demo data.
        demo_key_added = settings.embedded and settings.loads_demo_data
        if not demo_key_added and "demo-key" not in [k.key for k in settings.api_keys]:
            settings = settings.model_copy(
                update={
                    "api_keys": [
                        *settings.api_keys,
                        ApiKeyConfig(
                            key="demo-key", account="demo", scopes=["read", "write", "ingest"]
                        ),
                    ]
                }
            )
        http = await aiohttp_client(create_app(settings, database=shared_database))
        return GraphQLClient(http)

    yield start
    for name in databases:
        database = open_database(uri, name)
        try:
            await database.drop()
        finally:
            await database.close()


@pytest.fixture(autouse=True)
def _forget_built_middleware() -> Iterator[None]:
    """After each test, aiohttp's cache of middleware chains emptied: it keeps the chain of
    each (handler, apps) pair it served, up to 1,024 (an lru_cache in aiohttp.web_app), and
    with it every test's app, schema and demo store until the suite ends. Emptied, the test
    process stays near 400 MB instead of growing to 3 GB and 13 million objects, whose
    collector passes took up to 9 s."""
    yield
    web_app._cached_build_middleware.cache_clear()


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """The test process's heap as it stands, kept out of the collector's passes while a test
    times requests: a full pass over what earlier tests left pauses every client in this
    process, a pause of the test and not of the server it measures. The server freezes its
    own heap after start-up (invoicegraph/shutdown.py)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
