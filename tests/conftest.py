"""Shared fixtures: settings, a served app, and a GraphQL client over real HTTP."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from invoicegraph.app import RESOURCES, create_app
from invoicegraph.settings import ApiKeyConfig, Settings
from store.client import Database
from store.invoices import InvoiceStore

# The `database` fixture on both backends; `mongodb_uri`, the MongoDB-speaking server.
pytest_plugins = ["tests.backends", "tests.wire_server"]

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


@pytest.fixture
def serve(aiohttp_client: Any) -> ServeFactory:
    """Start the app with the given settings overrides; demo data off unless asked for."""

    async def start(database: Database | None = None, **overrides: Any) -> GraphQLClient:
        """`database`: one the test opened, shared by several apps (several processes)."""
        overrides.setdefault("demo_data", False)
        overrides.setdefault("api_keys", TEST_KEYS)
        settings = Settings(mongodb_uri=None, **overrides)
        if not settings.loads_demo_data and "demo-key" not in [k.key for k in settings.api_keys]:
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
        http = await aiohttp_client(create_app(settings, database=database))
        return GraphQLClient(http)

    return start
