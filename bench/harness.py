"""The app in this process, served over loopback HTTP, with a store the benchmark fills."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp.test_utils import TestClient, TestServer

from invoicegraph.app import RESOURCES, Resources, create_app
from invoicegraph.settings import ApiKeyConfig, Settings
from seeds.demo import generate_demo_invoices
from store.client import Database
from store.collection_names import INVOICES
from store.invoices import Scope, ScopedInvoices, to_document

ACCOUNT = "demo"
KEY = "bench-key-read-write"


@dataclass
class Served:
    """A client of the served app, and the app's resources (its store)."""

    http: TestClient
    resources: Resources

    @property
    def database(self) -> Database:
        assert self.resources.database is not None
        return self.resources.database

    @property
    def invoices(self) -> ScopedInvoices:
        assert self.resources.invoices is not None
        return self.resources.invoices.scoped(Scope(ACCOUNT))

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> bytes:
        """The raw answer to one request; raises when it holds an error."""
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        body = await response.read()
        if response.status != 200 or "errors" in orjson.loads(body):
            raise RuntimeError(f"{response.status}: {body[:300]!r}")
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one successful answer."""
        data: dict[str, Any] = orjson.loads(await self.post(query, variables))["data"]
        return data


@contextlib.asynccontextmanager
async def served(
    compiled: bool = True, uri: str | None = None, **overrides: Any
) -> AsyncIterator[Served]:
    """The embedded store (or the MongoDB at `uri`) with one key of ACCOUNT that reads and
    writes; `overrides`: other settings."""
    settings = Settings(
        mongodb_uri=uri,
        demo_data=False,
        compiled_execution=compiled,
        api_keys=[ApiKeyConfig(key=KEY, account=ACCOUNT, scopes=["read", "write"], name="bench")],
        **overrides,
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as http:
        yield Served(http, app[RESOURCES])


def demo_documents(count: int) -> list[dict[str, Any]]:
    """`count` generated invoices of ACCOUNT as stored documents (the same every run)."""
    return [to_document(invoice) for invoice in generate_demo_invoices((ACCOUNT,), count)]


@contextlib.asynccontextmanager
async def served_with(count: int, compiled: bool = True) -> AsyncIterator[Served]:
    """`served()` holding `count` generated invoices of ACCOUNT."""
    async with served(compiled) as app:
        await app.database.collection(INVOICES).insert_many(demo_documents(count))
        yield app
