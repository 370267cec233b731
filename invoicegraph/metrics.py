"""The process's Prometheus metrics, in a registry of its own (one per app), served at /metrics."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric

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


class CounterReadAtScrape:
    """A counter another object keeps, exported by reading it at each scrape.

    `read` gives the current count for each tuple of label values (`()` without labels);
    `registry` exports it from now on, as prometheus_client's own metrics do.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        read: Callable[[], Mapping[tuple[str, ...], float]],
        labels: Sequence[str] = (),
        *,
        registry: CollectorRegistry,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._read = read
        self._labels = labels
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labels)
        for values, count in self._read().items():
            family.add_metric(values, count)
        yield family


class Children:
    """A labelled metric's children, kept by their label values after the first lookup:
    `labels()` checks and converts the values on every call, which per request costs more
    than the count itself. Every label here takes few values, so the dictionary stays small."""

    def __init__(self, metric: Counter | Histogram) -> None:
        self._metric = metric
        self._children: dict[tuple[object, ...], Any] = {}

    def __call__(self, *values: object) -> Any:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


def hits_and_misses(hits: float, misses: float) -> dict[tuple[str, ...], float]:
    """A cache's counts by the `result` label."""
    return {("hit",): hits, ("miss",): misses}


class Metrics:
    """Every metric the app exports; the request middleware and the store feed them."""

    def __init__(self, operation_label_limit: int = 100) -> None:
        self.registry = CollectorRegistry()
        self.operation_label = BoundedLabels(operation_label_limit)
        counter = partial(Counter, registry=self.registry)
        gauge = partial(Gauge, registry=self.registry)
        histogram = partial(Histogram, registry=self.registry)
        self.db_commands = counter(
            "invoicegraph_db_commands",
            "Database commands issued since start.",
        )
        self.db_command_seconds = histogram(
            "invoicegraph_db_command_seconds",
            "Database command latency.",
            ["command"],
        )
        self.http_requests = counter(
            "invoicegraph_http_requests",
            "HTTP requests answered, by endpoint and status.",
            ["endpoint", "status"],
        )
        self.in_flight = gauge(
            "invoicegraph_http_requests_in_flight",
            "HTTP requests being handled now.",
        )
        self.graphql_requests = counter(
            "invoicegraph_graphql_requests",
            "GraphQL requests, by operation name and outcome.",
            ["operation", "outcome"],
        )
        self.graphql_seconds = histogram(
            "invoicegraph_graphql_request_seconds",
            "GraphQL request latency, from the first byte read to the answer, by operation name.",
            ["operation"],
        )
        self.db_response_bytes = histogram(
            "invoicegraph_db_response_bytes",
            "Bytes of the documents the database returned to one GraphQL request, by operation "
            "name (BSON sizes: exact on MongoDB, estimated on the embedded store).",
            ["operation"],
            buckets=DB_BYTES_BUCKETS,
        )
        self.rejected = counter(
            "invoicegraph_requests_rejected",
            "Requests refused without running anything, by reason (the error code).",
            ["reason"],
        )
        self.ingest_records = counter(
            "invoicegraph_ingest_records",
            "Source records ingested, by outcome (stored, updated, unchanged, stale, rejected).",
            ["outcome"],
        )
        self.webhook_deliveries = counter(
            "invoicegraph_webhook_deliveries",
            "Webhook delivery attempts by outcome: delivered (2xx), retried (failed, comes "
            "again), gave_up (failed past the retry horizon).",
            ["outcome"],
        )
        self.webhook_oldest_pending = gauge(
            "invoicegraph_webhook_oldest_pending_seconds",
            "Age of the oldest webhook delivery still pending (0 without one), as this "
            "process last measured it.",
        )
        self.webhook_lag = histogram(
            "invoicegraph_webhook_delivery_lag_seconds",
            "From an invoice change to its webhook's 2xx answer.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400),
        )
        self._db_command_seconds = Children(self.db_command_seconds)
        self._http_requests = Children(self.http_requests)
        self._graphql_requests = Children(self.graphql_requests)
        self._graphql_seconds = Children(self.graphql_seconds)
        self._db_response_bytes = Children(self.db_response_bytes)
        self._rejected = Children(self.rejected)
        self.subscriptions_open = gauge(
            "invoicegraph_subscriptions_open",
            "GraphQL subscriptions running now (over WebSocket).",
        )
        self.subscription_events = counter(
            "invoicegraph_subscription_events_delivered",
            "Invoice events handed to subscribers' connections.",
        )
        self.subscription_lag = histogram(
            "invoicegraph_subscription_delivery_lag_seconds",
            "From an invoice change to its event handed to a subscriber's connection.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.relayed_events = counter(
            "invoicegraph_events_relayed",
            "Invoice events this process copied from their invoices into the feed.",
        )

    def record_delivery(self, lag_seconds: float) -> None:
        self.subscription_events.inc()
        self.subscription_lag.observe(lag_seconds)

    def record_db_command(self, name: str, seconds: float) -> None:
        self.db_commands.inc()
        self._db_command_seconds(name).observe(seconds)

    def record_request(self, endpoint: str, status: int) -> None:
        self._http_requests(endpoint, status).inc()

    def record_graphql(self, record: RequestRecord, seconds: float, db_bytes: int = 0) -> None:
        """Count a request the GraphQL endpoint answered (its record has an outcome)."""
        assert record.outcome is not None
        operation = self.operation_label(record.operation)
        self._graphql_requests(operation, record.outcome.value).inc()
        self._graphql_seconds(operation).observe(seconds)
        self._db_response_bytes(operation).observe(db_bytes)
        if record.refusal is not None:
            self._rejected(record.refusal).inc()

    def record_rejection(self, reason: str) -> None:
        self._rejected(reason).inc()

    def record_ingest(self, outcomes: Mapping[str, int]) -> None:
        """Count one ingest's records by outcome (stored, updated, unchanged, stale, rejected)."""
        for outcome, count in outcomes.items():
            self.ingest_records.labels(outcome).inc(count)

    def watch_executions(self, executions: CompiledExecutions, documents: DocumentCache) -> None:
        """Export compiled versus executor runs and the document cache's hits and misses."""
        CounterReadAtScrape(
            "invoicegraph_graphql_executions",
            "GraphQL operations run since start, by path: a compiled plan, or the executor "
            "(not compilable, or compiled but fallen back; docs/performance.md).",
            lambda: {("compiled",): executions.compiled, ("executor",): executions.executed},
            labels=("path",),
            registry=self.registry,
        )
        CounterReadAtScrape(
            "invoicegraph_graphql_plan_fallbacks",
            "Operations whose compiled plan gave way to the executor at run time.",
            lambda: {(): executions.fallbacks},
            registry=self.registry,
        )
        CounterReadAtScrape(
            "invoicegraph_graphql_answer_memo",
            "Invoice answers of compiled plans looked up by their stored document, by result "
            "(graph/compiled/answer_memo.py).",
            lambda: hits_and_misses(executions.memo.hits, executions.memo.misses),
            labels=("result",),
            registry=self.registry,
        )
        CounterReadAtScrape(
            "invoicegraph_graphql_document_cache",
            "Lookups of parsed and validated documents by text, by result.",
            lambda: hits_and_misses(documents.hits, documents.misses),
            labels=("result",),
            registry=self.registry,
        )

    def watch_db_command_cpu(self, seconds: Callable[[], float]) -> None:
        """Export the CPU time spent inside database commands, read from `seconds`."""
        CounterReadAtScrape(
            "invoicegraph_db_command_cpu_seconds",
            "CPU seconds of this process inside database commands (the embedded store's work).",
            lambda: {(): seconds()},
            registry=self.registry,
        )

    def watch_persisted_documents(self, counts: Callable[[], tuple[int, int]]) -> None:
        """Export the persisted-document cache's hits and misses, read from `counts`."""
        CounterReadAtScrape(
            "invoicegraph_persisted_documents",
            "Persisted-document lookups answered by the process cache (hit) or the store (miss).",
            lambda: hits_and_misses(*counts()),
            labels=("result",),
            registry=self.registry,
        )


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
