"""The aiohttp application factory and its resources."""

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from graph.graphiql import ASSETS_PATH, GraphiQL
from graph.persisted import PersistedQueries
from graph.schema import schema
from graph.trusted_documents import trust_manifest
from graph.view import GraphQLView, json_response
from invoicegraph.settings import DEMO_KEY, Settings
from seeds.demo import generate_demo_invoices
from seeds.ingest import UnreadableSource, ingest_file, ingest_records
from seeds.sources import read_records
from store.client import Database, open_database
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope
from store.keys import KeyRing
from store.persisted_documents import PersistedDocuments

log = logging.getLogger("invoicegraph")

SEED_DATA = Path(__file__).resolve().parent.parent / "seeds" / "data"


@dataclass
class Metrics:
    """The process's Prometheus metrics, in a registry of its own (one per app)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.db_commands = Counter(
            "invoicegraph_db_commands",
            "Database commands issued since start.",
            registry=self.registry,
        )
        self.db_command_seconds = Histogram(
            "invoicegraph_db_command_seconds",
            "Database command latency.",
            ["command"],
            registry=self.registry,
        )

    def record_db_command(self, name: str, seconds: float) -> None:
        self.db_commands.inc()
        self.db_command_seconds.labels(name).observe(seconds)


@dataclass
class Resources:
    """What the app opens at start-up; filled by `open_resources`."""

    settings: Settings
    metrics: Metrics = field(default_factory=Metrics)
    keys: KeyRing = field(default_factory=KeyRing)
    database: Database | None = None
    invoices: InvoiceStore | None = None
    persisted: PersistedQueries | None = None


RESOURCES = web.AppKey("resources", Resources)


def parse_ingest_spec(spec: str, default_account: str) -> tuple[str, Path]:
    """'[ACCOUNT=]PATH' -> (account, path)."""
    account, separator, path = spec.partition("=")
    if separator and account and "/" not in account:
        return account, Path(path)
    return default_account, Path(spec)


def build_keyring(settings: Settings) -> KeyRing:
    keys = KeyRing()
    if settings.embedded and settings.demo_data:
        keys.add(DEMO_KEY, "demo", ["read", "write", "ingest"], name="demo")
    for config in settings.api_keys:
        keys.add(config.key, config.account, config.scopes, name=config.name)
    return keys


async def load_demo_data(invoices: InvoiceStore) -> int:
    """The reference invoices and the generated ones, unless the demo account has invoices."""
    demo = invoices.scoped(Scope("demo"))
    if await demo.count() > 0:
        return 0
    stored = 0
    for name in ("fabric-example.json", "akinon-example-page.json"):
        report = await ingest_records(read_records(SEED_DATA / name), demo)
        stored += report.stored
    generated = generate_demo_invoices()
    for account in sorted({invoice.account for invoice in generated}):
        mine = [invoice for invoice in generated if invoice.account == account]
        stored += await invoices.scoped(Scope(account)).insert_many(mine)
    return stored


async def ingest_startup_files(resources: Resources) -> None:
    assert resources.invoices is not None
    for spec in resources.settings.ingest:
        account, path = parse_ingest_spec(spec, resources.settings.account)
        try:
            report = await ingest_file(path, resources.invoices.scoped(Scope(account)))
        except UnreadableSource as error:
            print(f"{path}: {error}", file=sys.stderr)  # the server starts anyway
            continue
        for rejection in report.rejected:
            print(rejection.describe(str(path)), file=sys.stderr)
        log.info("ingested %s into %s: %s", path, account, report.summary())


async def open_resources(app: web.Application) -> AsyncIterator[None]:
    resources = app[RESOURCES]
    settings = resources.settings
    database = open_database(settings.mongodb_uri, settings.database, settings.database_timeout_ms)
    database.commands.listeners.append(resources.metrics.record_db_command)
    resources.database = database
    resources.invoices = InvoiceStore(database)
    resources.keys = build_keyring(settings)
    if settings.demo_data:
        # Before the indexes: the embedded store checks a unique index in one pass when
        # it is created, but scans every document on every insert once it exists.
        await load_demo_data(resources.invoices)
    await ensure_indexes(database)
    documents = PersistedDocuments(database)
    resources.persisted = PersistedQueries(documents, settings.persisted_cache_size)
    if settings.trusted_documents:
        report = await trust_manifest(Path(settings.trusted_documents), documents)
        log.info("trusted %d documents (%d new)", report.trusted, report.new)
    await ingest_startup_files(resources)
    yield
    await database.close()


async def healthz(_request: web.Request) -> web.Response:
    return json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    database = request.app[RESOURCES].database
    try:
        if database is None:
            raise ConnectionError("the store is not open")
        await asyncio.wait_for(database.ping(), timeout=2.0)
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return json_response({"status": "unavailable", "reason": str(error)[:200]}, status=503)
    return json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[RESOURCES].metrics.registry
    response = web.Response(body=generate_latest(registry))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    resources = Resources(settings=settings)
    app[RESOURCES] = resources

    def invoices() -> InvoiceStore:
        assert resources.invoices is not None, "the store opens at start-up"
        return resources.invoices

    def persisted() -> PersistedQueries:
        assert resources.persisted is not None, "persisted queries open at start-up"
        return resources.persisted

    graphiql = GraphiQL(settings.node_modules)
    view = GraphQLView(
        schema,
        keys=lambda: resources.keys,
        invoices=invoices,
        persisted=persisted,
        graphiql=graphiql,
        cache_max_age=settings.persisted_query_max_age,
    )
    app.router.add_route("GET", "/graphql", view.handle)
    app.router.add_route("POST", "/graphql", view.handle)
    app.router.add_get(ASSETS_PATH + "/{name}", graphiql.asset)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.cleanup_ctx.append(open_resources)
    return app
