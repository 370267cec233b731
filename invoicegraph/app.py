"""The aiohttp application factory and its resources."""

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from graph.compiled.answer_memo import AnswerMemo
from graph.compiled.executor import CompiledExecutions
from graph.core_schema import core_schema
from graph.document_cache import DocumentCache
from graph.http.graphiql import ASSETS_PATH, GraphiQL
from graph.http.live import LiveLimits, LiveObserver, LiveServer
from graph.http.params import BodyLimits
from graph.http.responses import json_response
from graph.http.services import EndpointServices
from graph.http.view import GraphQLView
from graph.limits.checks import DEFAULT_COST_MODEL, LimitPolicy, QueryLimits
from graph.limits.throttle import CostBuckets
from graph.persisted.requests import PersistedQueries
from graph.persisted.trusted_documents import read_manifest
from graph.schema import InvoiceGraphSchema, build_schema
from invoicegraph.deadline import database_deadline
from invoicegraph.metrics import Metrics
from invoicegraph.observability import OBSERVER, RequestObserver
from invoicegraph.settings import DEMO_KEY, Settings
from invoicegraph.webhooks import Webhooks, build_webhooks
from seeds.demo import generate_demo_invoices
from seeds.ingest import UnreadableSource, ingest_file, ingest_records, mapper_for
from seeds.sources import read_records
from store.client import Database, StoreUnavailable, open_database
from store.event_feed import EventStore
from store.event_relay import EventRelay
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope
from store.keys import ApiKeys, KeyCache, KeyRing, KeyStore
from store.persisted_documents import PersistedDocuments, TrustedDocument

log = logging.getLogger("invoicegraph")

SEED_DATA = Path(__file__).resolve().parent.parent / "seeds" / "data"
REFERENCE_FILES = ("fabric-example.json", "akinon-example-page.json")
"""fabric's and Akinon's reference records: demo data of the demo account."""
DEMO_ACCOUNT = "demo"


@dataclass
class Resources:
    """The process's services: made with the app, or opened at start-up (`open_resources`)."""

    settings: Settings
    schema: InvoiceGraphSchema = field(default_factory=build_schema)
    """The schema /graphql runs (with `documents` and `executions`); webhooks check against it."""
    metrics: Metrics = field(default_factory=Metrics)
    documents: DocumentCache = field(default_factory=DocumentCache)
    """Parsed documents by text, shared by every request (graph/document_cache.py)."""
    executions: CompiledExecutions = field(default_factory=CompiledExecutions)
    """Compiled execution's switch and counts (graph/compiled/)."""
    keys: ApiKeys | None = None
    database: Database | None = None
    invoices: InvoiceStore | None = None
    persisted: PersistedQueries | None = None
    webhooks: Webhooks | None = None
    trusted: Sequence[TrustedDocument] | None = None
    """The manifest's documents when the caller has read it already (the CLI checks it first)."""


RESOURCES = web.AppKey("resources", Resources)
GRAPHQL_VIEW = web.AppKey("graphql_view", GraphQLView)
"""The /graphql endpoint (tests watch its WebSocket side)."""


def parse_ingest_spec(spec: str, default_account: str) -> tuple[str, Path]:
    """'[ACCOUNT=]PATH' -> (account, path)."""
    account, separator, path = spec.partition("=")
    if separator and account and "/" not in account:
        return account, Path(path)
    return default_account, Path(spec)


def build_keyring(settings: Settings) -> KeyRing:
    keys = KeyRing()
    if settings.embedded and settings.loads_demo_data:
        keys.add(DEMO_KEY, DEMO_ACCOUNT, ["read", "write", "ingest"], name="demo")
    for config in settings.api_keys:
        keys.add(config.key, config.account, config.scopes, config.name, config.introspection)
    return keys


def build_api_keys(settings: Settings, database: Database) -> ApiKeys:
    """Configured keys, then the stored ones through a cache (store/keys.py)."""
    cache = KeyCache(settings.key_cache_size, settings.key_cache_seconds)
    return ApiKeys(build_keyring(settings), KeyStore(database), cache)


def build_limits(settings: Settings) -> LimitPolicy:
    limits = QueryLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_tokens=settings.max_query_tokens,
        max_length=settings.max_query_length,
        max_repeats=settings.max_repeated_fields,
        max_breadth=settings.max_query_breadth,
        max_cost=settings.max_query_cost,
        introspection=settings.introspection,
        cost_model=replace(
            DEFAULT_COST_MODEL,
            list_size=settings.query_cost_list_size,
            scan_cost=settings.query_cost_scan,
        ),
    )
    if settings.cost_restore_rate is None:
        return LimitPolicy(limits)
    capacity = settings.cost_bucket_size or settings.max_query_cost
    return LimitPolicy(limits, CostBuckets(capacity, settings.cost_restore_rate))


async def load_demo_data(invoices: InvoiceStore, per_account: int = 600) -> int:
    """The reference invoices and the generated ones, each into its account if still empty.

    An account that holds invoices is left alone: a restart against the same MongoDB
    neither duplicates the demo data nor mixes it into real data.
    """
    generated = generate_demo_invoices(per_account=per_account)
    stored = 0
    for account in sorted({DEMO_ACCOUNT} | {invoice.account for invoice in generated}):
        scoped = invoices.scoped(Scope(account))
        if await scoped.count() > 0:
            log.info("demo data not loaded into %s: it already holds invoices", account)
            continue
        if account == DEMO_ACCOUNT:
            for name in REFERENCE_FILES:
                stored += (await ingest_records(read_records(SEED_DATA / name), scoped)).stored
        mine = [invoice for invoice in generated if invoice.account == account]
        stored += await scoped.insert_many(mine)
    return stored


async def ingest_startup_files(resources: Resources, invoices: InvoiceStore) -> None:
    for spec in resources.settings.ingest:
        account, path = parse_ingest_spec(spec, resources.settings.account)
        try:
            report = await ingest_file(
                path,
                invoices.scoped(Scope(account)),
                mapper=mapper_for(resources.settings.akinon_currencies),
            )
        except UnreadableSource as error:
            print(f"{path}: {error}", file=sys.stderr)  # the server starts anyway
            continue
        for rejection in report.rejected:
            print(rejection.describe(str(path)), file=sys.stderr)
        log.info("ingested %s into %s: %s", path, account, report.summary())
        resources.metrics.record_ingest(report.counts())


NO_USABLE_KEY = (
    "no API key can be used: every request will answer 401. Configure one in "
    'INVOICEGRAPH_API_KEYS (a JSON array of {"key": "<8+ characters>", "account": "...", '
    '"scopes": ["read"]}; README: Keys and scopes)'
)
STORE_KEY_HINT = (
    ", or store one with `invoicegraph keys create --account ACCOUNT --name NAME --scope read "
    "--mongodb-uri URI`"
)


async def warn_without_usable_key(settings: Settings, keys: KeyStore) -> None:
    """Start-up warns when no configured, demo or stored key exists: every request gets 401."""
    if settings.api_keys or (settings.embedded and settings.loads_demo_data):
        return
    if settings.embedded:
        log.warning("%s (the demo key exists only with the demo data)", NO_USABLE_KEY)
    elif not await keys.active():
        log.warning("%s%s", NO_USABLE_KEY, STORE_KEY_HINT)


async def prepare_database(resources: Resources, database: Database) -> None:
    """The start-up work done once per database: demo data, indexes, trusted documents and
    the files to ingest (a parent process does it before forking its workers)."""
    settings = resources.settings
    invoices = InvoiceStore(database)
    if settings.loads_demo_data:
        # Before the indexes: the embedded store checks a unique index in one pass when
        # it is created, but scans every document on every insert once it exists.
        await load_demo_data(invoices, settings.demo_invoices_per_account)
    await ensure_indexes(database)
    trusted = resources.trusted
    if trusted is None and settings.trusted_documents:
        trusted = read_manifest(Path(settings.trusted_documents), core_schema(resources.schema))
    if trusted is not None:
        report = await PersistedDocuments(database).trust(trusted)
        log.info("trusted %d documents (%d new)", report.trusted, report.new)
    await ingest_startup_files(resources, invoices)


async def prepare_once(settings: Settings, trusted: Sequence[TrustedDocument] | None) -> None:
    """`prepare_database` on its own client, closed after."""
    resources = Resources(settings=settings, trusted=trusted)
    database = open_database(settings.mongodb_uri, settings.database, settings.database_timeout_ms)
    try:
        await prepare_database(resources, database)
    finally:
        await database.close()


def build_live_limits(settings: Settings) -> LiveLimits:
    return LiveLimits(
        max_per_key=settings.subscription_max_per_key,
        max_per_process=settings.subscription_max_per_process,
        keepalive_seconds=settings.subscription_keepalive_seconds,
        init_timeout_seconds=settings.subscription_init_timeout_seconds,
        buffer_messages=settings.subscription_buffer_messages,
        slow_consumer_seconds=settings.subscription_slow_consumer_seconds,
        poll_seconds=settings.subscription_poll_seconds,
        write_buffer_bytes=settings.subscription_write_buffer_bytes,
        socket_buffer_bytes=settings.subscription_socket_buffer_bytes,
    )


def live_observer(metrics: Metrics) -> LiveObserver:
    return LiveObserver(
        opened=metrics.subscriptions_open.inc,
        closed=metrics.subscriptions_open.dec,
        delivered=metrics.record_delivery,
    )


async def open_resources(app: web.Application) -> AsyncIterator[None]:
    resources = app[RESOURCES]
    settings = resources.settings
    shared = resources.database  # given by the caller (tests: two apps on one database)
    database = shared or open_database(
        settings.mongodb_uri, settings.database, settings.database_timeout_ms
    )
    relaying: asyncio.Task[None] | None = None
    delivering: asyncio.Task[None] | None = None
    try:
        database.commands.listeners.append(resources.metrics.record_db_command)
        resources.metrics.watch_db_command_cpu(lambda: database.commands.cpu_seconds)
        resources.database = database
        # The relay's commands are counted apart: they run beside the requests, not in them.
        relaying_database = database.sibling()
        relaying_database.commands.listeners.append(resources.metrics.record_db_command)
        relay = EventRelay(relaying_database, settings.event_lease_seconds)
        relay.copied_listener = resources.metrics.relayed_events.inc
        resources.invoices = InvoiceStore(database, EventStore(database, relay))
        resources.keys = build_api_keys(settings, database)
        await prepare_database(resources, database)
        persisted = PersistedQueries(PersistedDocuments(database), settings.persisted_cache_size)
        resources.persisted = persisted
        resources.metrics.watch_persisted_documents(lambda: (persisted.hits, persisted.misses))
        await warn_without_usable_key(settings, KeyStore(database))
        webhooks = build_webhooks(
            settings,
            relaying_database,
            relay,
            build_limits(settings),
            resources.metrics,
            resources.schema,
        )
        resources.webhooks = webhooks
        relaying = asyncio.create_task(relay.run_forever())
        if webhooks.deliverer is not None:
            delivering = asyncio.create_task(webhooks.deliverer.run_forever())
        yield
    finally:  # a failed start-up closes the client too
        if delivering is not None:
            delivering.cancel()
            # It hands its leases back through the database: bounded like the relay below.
            await asyncio.wait({delivering}, timeout=settings.event_lease_seconds / 2 + 1)
        if relaying is not None:
            relay.stop()
            relaying.cancel()
            # A relay command on a database that stopped answering may not end at once:
            # closing the client below ends it. Whatever it left pending, the next run copies.
            await asyncio.wait({relaying}, timeout=settings.event_lease_seconds / 2 + 1)
        if shared is None:
            await database.close()
            log.info("database client closed")


async def healthz(_request: web.Request) -> web.Response:
    return json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    database = request.app[RESOURCES].database
    try:
        if database is None:
            return json_response({"status": "unavailable", "reason": "starting"}, status=503)
        timeout = request.app[RESOURCES].settings.ready_timeout_seconds
        # The ping carries its own deadline; wait_for only guards against a driver that hangs.
        await asyncio.wait_for(database.ping(timeout), timeout + 1)
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        log.warning("not ready: %r", error)
        answer = {"status": "unavailable"}
        # Our own reasons only: a driver's message may name hosts, users or databases.
        if isinstance(error, StoreUnavailable):
            answer["reason"] = error.reason
        return json_response(answer, status=503)
    return json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[RESOURCES].metrics.registry
    response = web.Response(body=generate_latest(registry))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


def create_app(
    settings: Settings,
    trusted: Sequence[TrustedDocument] | None = None,
    database: Database | None = None,
) -> web.Application:
    """The app; `trusted`: the trusted-documents manifest, if already read and checked;
    `database`: one the caller opened and closes (several apps on one database)."""
    documents = DocumentCache()
    memo = AnswerMemo(settings.compiled_answer_memory_mb * 2**20)
    executions = CompiledExecutions(enabled=settings.compiled_execution, memo=memo)
    resources = Resources(
        settings=settings,
        # The extensions of every request are given the process's caches (graph/schema.py).
        schema=build_schema(documents, executions),
        documents=documents,
        executions=executions,
        trusted=trusted,
        database=database,
    )
    observer = RequestObserver(resources.metrics)
    deadline = database_deadline(settings.database_timeout_ms / 1000)
    app = web.Application(
        # The largest body any key may send; the view holds each key to its own limit.
        client_max_size=max(settings.max_body_bytes, settings.max_ingest_body_bytes),
        middlewares=[observer.middleware, deadline],
    )
    app[RESOURCES] = resources
    app[OBSERVER] = observer

    def invoices() -> InvoiceStore:
        assert resources.invoices is not None, "the store opens at start-up"
        return resources.invoices

    def persisted() -> PersistedQueries:
        assert resources.persisted is not None, "persisted queries open at start-up"
        return resources.persisted

    def keys() -> ApiKeys:
        assert resources.keys is not None, "keys open at start-up"
        return resources.keys

    limits = build_limits(settings)
    services = EndpointServices(
        keys=keys,
        invoices=invoices,
        persisted=persisted,
        limits=limits,
        body_limits=BodyLimits(settings.max_body_bytes, settings.max_ingest_body_bytes),
        report_ingest=resources.metrics.record_ingest,
        clock_skew_seconds=settings.clock_skew_seconds,
        default_currencies=settings.akinon_currencies,
        webhooks=lambda: resources.webhooks.admin if resources.webhooks else None,
    )
    live = LiveServer(
        services,
        build_schema(documents),  # the executor answers over WebSockets: no compiled plans
        build_live_limits(settings),
        live_observer(resources.metrics),
    )
    graphiql = GraphiQL(settings.node_modules)
    view = GraphQLView(
        services,
        resources.schema,
        documents,
        graphiql,
        cache_max_age=settings.persisted_query_max_age,
        request_timeout=settings.request_timeout_ms / 1000,
        live=live,
        executions=executions,
    )
    resources.metrics.watch_executions(executions, documents)
    observer.unpriced = limits.unpriced
    app[GRAPHQL_VIEW] = view
    app.router.add_route("GET", "/graphql", view.handle)
    app.router.add_route("POST", "/graphql", view.handle)
    app.router.add_get(ASSETS_PATH + "/{name}", graphiql.asset)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.cleanup_ctx.append(open_resources)
    return app
