"""The process's Prometheus metrics, in a registry of its own (one per app), served at /metrics."""

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from graph.compiled.executor import CompiledExecutions
from graph.document_cache import DocumentCache
from graph.http.request_record import RequestRecord
from graph.webhooks.deliverer import DeliveryCounters

DB_BYTES_BUCKETS = tuple(float(4**power * 256) for power in range(10)) + (float("inf"),)
"""256 B to 64 MB by factors of 4: a lookup of a few fields up to pages of full invoices."""

OTHER = "other"
"""The label of operation names past the limit: clients choose names, and labels must stay few."""


class BoundedLabels:
    """Keeps the first `limit` distinct values of a client-chosen label; later ones are OTHER."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self.limit:
            return OTHER
        self._seen.add(value)
        return value


class PersistedDocumentLookups(Collector):
    """Hits and misses of the persisted-document cache, read from it at each scrape."""

    def __init__(self, counts: Callable[[], tuple[int, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        hits, misses = self._counts()
        family = CounterMetricFamily(
            "invoicegraph_persisted_documents",
            "Persisted-document lookups answered by the process cache (hit) or the store (miss).",
            labels=["result"],
        )
        family.add_metric(["hit"], hits)
        family.add_metric(["miss"], misses)
        yield family


class DatabaseCommandCpu(Collector):
    """CPU time the process's thread spent inside database commands, read at each scrape."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "invoicegraph_db_command_cpu_seconds",
            "CPU seconds of this process inside database commands (the embedded store's work).",
            value=self._seconds(),
        )


class GraphQLExecutions(Collector):
    """Operations answered by compiled plans and by the executor, read at each scrape."""

    def __init__(self, executions: CompiledExecutions, documents: DocumentCache) -> None:
        self._executions = executions
        self._documents = documents

    def collect(self) -> Iterator[Metric]:
        executions = CounterMetricFamily(
            "invoicegraph_graphql_executions",
            "GraphQL operations run since start, by path: a compiled plan, or the executor "
            "(not compilable, or compiled but fallen back; docs/performance.md).",
            labels=["path"],
        )
        executions.add_metric(["compiled"], self._executions.compiled)
        executions.add_metric(["executor"], self._executions.executed)
        yield executions
        fallbacks = CounterMetricFamily(
            "invoicegraph_graphql_plan_fallbacks",
            "Operations whose compiled plan gave way to the executor at run time.",
        )
        fallbacks.add_metric([], self._executions.fallbacks)
        yield fallbacks
        documents = CounterMetricFamily(
            "invoicegraph_graphql_document_cache",
            "Lookups of parsed and validated documents by text, by result.",
            labels=["result"],
        )
        documents.add_metric(["hit"], self._documents.hits)
        documents.add_metric(["miss"], self._documents.misses)
        yield documents


class Metrics:
    """Every metric the app exports; the request middleware and the store feed them."""

    def __init__(self, operation_label_limit: int = 100) -> None:
        self.registry = CollectorRegistry()
        self.operation_label = BoundedLabels(operation_label_limit)
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
        self.http_requests = Counter(
            "invoicegraph_http_requests",
            "HTTP requests answered, by endpoint and status.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "invoicegraph_http_requests_in_flight",
            "HTTP requests being handled now.",
            registry=self.registry,
        )
        self.graphql_requests = Counter(
            "invoicegraph_graphql_requests",
            "GraphQL requests, by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_seconds = Histogram(
            "invoicegraph_graphql_request_seconds",
            "GraphQL request latency, from the first byte read to the answer, by operation name.",
            ["operation"],
            registry=self.registry,
        )
        self.db_response_bytes = Histogram(
            "invoicegraph_db_response_bytes",
            "Bytes of the documents the database returned to one GraphQL request, by operation "
            "name (BSON sizes: exact on MongoDB, estimated on the embedded store).",
            ["operation"],
            buckets=DB_BYTES_BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "invoicegraph_requests_rejected",
            "Requests refused without running anything, by reason (the error code).",
            ["reason"],
            registry=self.registry,
        )
        self.ingest_records = Counter(
            "invoicegraph_ingest_records",
            "Source records ingested, by outcome (stored, updated, unchanged, stale, rejected).",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "invoicegraph_webhook_deliveries",
            "Webhook delivery attempts by outcome: delivered (2xx), retried (failed, comes "
            "again), gave_up (failed past the retry horizon).",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_oldest_pending = Gauge(
            "invoicegraph_webhook_oldest_pending_seconds",
            "Age of the oldest webhook delivery still pending (0 without one), as this "
            "process last measured it.",
            registry=self.registry,
        )
        self.webhook_lag = Histogram(
            "invoicegraph_webhook_delivery_lag_seconds",
            "From an invoice change to its webhook's 2xx answer.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400),
            registry=self.registry,
        )
        self.subscriptions_open = Gauge(
            "invoicegraph_subscriptions_open",
            "GraphQL subscriptions running now (over WebSocket).",
            registry=self.registry,
        )
        self.subscription_events = Counter(
            "invoicegraph_subscription_events_delivered",
            "Invoice events handed to subscribers' connections.",
            registry=self.registry,
        )
        self.subscription_lag = Histogram(
            "invoicegraph_subscription_delivery_lag_seconds",
            "From an invoice change to its event handed to a subscriber's connection.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.relayed_events = Counter(
            "invoicegraph_events_relayed",
            "Invoice events this process copied from their invoices into the feed.",
            registry=self.registry,
        )

    def record_delivery(self, lag_seconds: float) -> None:
        self.subscription_events.inc()
        self.subscription_lag.observe(lag_seconds)

    def record_db_command(self, name: str, seconds: float) -> None:
        self.db_commands.inc()
        self.db_command_seconds.labels(name).observe(seconds)

    def record_request(self, endpoint: str, status: int) -> None:
        self.http_requests.labels(endpoint, str(status)).inc()

    def record_graphql(self, record: RequestRecord, seconds: float, db_bytes: int = 0) -> None:
        """Count a request the GraphQL endpoint answered (its record has an outcome)."""
        assert record.outcome is not None
        operation = self.operation_label(record.operation)
        self.graphql_requests.labels(operation, record.outcome.value).inc()
        self.graphql_seconds.labels(operation).observe(seconds)
        self.db_response_bytes.labels(operation).observe(db_bytes)
        if record.refusal is not None:
            self.rejected.labels(record.refusal).inc()

    def record_rejection(self, reason: str) -> None:
        self.rejected.labels(reason).inc()

    def record_ingest(self, outcomes: Mapping[str, int]) -> None:
        """Count one ingest's records by outcome (stored, updated, unchanged, stale, rejected)."""
        for outcome, count in outcomes.items():
            self.ingest_records.labels(outcome).inc(count)

    def watch_executions(self, executions: CompiledExecutions, documents: DocumentCache) -> None:
        """Export compiled versus executor runs and the document cache's hits and misses."""
        self.registry.register(GraphQLExecutions(executions, documents))

    def watch_db_command_cpu(self, seconds: Callable[[], float]) -> None:
        """Export the CPU time spent inside database commands, read from `seconds`."""
        self.registry.register(DatabaseCommandCpu(seconds))

    def watch_persisted_documents(self, counts: Callable[[], tuple[int, int]]) -> None:
        """Export the persisted-document cache's hits and misses, read from `counts`."""
        self.registry.register(PersistedDocumentLookups(counts))


class WebhookCounters(DeliveryCounters):
    """The deliverer's reports, into the app's metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def outcome(self, outcome: str) -> None:
        self.metrics.webhook_deliveries.labels(outcome).inc()

    def lag(self, seconds: float) -> None:
        self.metrics.webhook_lag.observe(max(0.0, seconds))

    def oldest_pending(self, seconds: float) -> None:
        self.metrics.webhook_oldest_pending.set(seconds)
