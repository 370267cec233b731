"""The per-request context: the caller, its scoped store and its DataLoaders."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry

from graph.dataloaders import Loaders
from graph.limits.checks import RequestLimits
from graph.request_writer import RequestWriter
from seeds.akinon_currency import NO_DEFAULT_CURRENCIES, DefaultCurrencies
from store.domain.changes import ACKNOWLEDGE_CLOCK_SKEW_SECONDS
from store.event_feed import ScopedEvents
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.keys import ApiKey

if TYPE_CHECKING:  # the webhook mutations reach the service through the context
    from graph.webhooks.admin import WebhookAdmin


async def _key_unchecked() -> None:
    """The key check of a subscription run without a connection's key watch."""


@dataclass(frozen=True)
class LiveOptions:
    """How a subscription follows the feed (graph/http/live.py sets it per connection)."""

    poll_seconds: float = 1.0
    """Longest wait before the feed is read again: other processes' events wake no one here."""
    delivered: Callable[[float], None] = lambda lag_seconds: None
    """Told each event handed to the socket, with its lag behind its change (metrics)."""
    check_key: Callable[[], Awaitable[None]] = _key_unchecked
    """Raises when the connection's key may no longer subscribe (graph/http/key_watch.py)."""


IngestReporter = Callable[[Mapping[str, int]], None]
"""Told the records one request ingested, counted by outcome (a seeds.ingest RecordStatus
value: stored, updated, unchanged, stale, rejected); the app counts them in /metrics."""


def unreported(outcomes: Mapping[str, int]) -> None:
    """The reporter when nothing counts ingests (the schema run without the app)."""


@dataclass
class Context:
    """Built anew for every request, so no loader cache is ever shared between callers.

    It holds the caller and what serves it; what the schema's extensions learn about the
    document (parsed, cached, validated) stays with them (graph/limits/extension.py).
    """

    api_key: ApiKey
    invoices: ScopedInvoices
    loaders: Loaders
    writer: InvoiceWriter
    limits: RequestLimits | None = None
    """This request's query limits and cost (graph/limits/checks.py); None: the defaults."""
    report_ingest: IngestReporter = unreported
    operation_name: str | None = None
    """The operationName the request sent (Strawberry's own falls back to the first one)."""
    clock_skew_seconds: float = ACKNOWLEDGE_CLOCK_SKEW_SECONDS
    """How far ahead of the server's clock a client's timestamp may be (acknowledgedAt)."""
    default_currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES
    """The currency of pushed Akinon records that carry none, by account and channel."""
    projections: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    """The fields each resolved field's invoices need (graph/projection.py), worked out once
    per field of the document: every item of a list resolves the same selection."""
    live: LiveOptions | None = None
    """Set on a WebSocket connection (graph/http/live.py); None: subscriptions are refused."""
    webhooks: "WebhookAdmin | None" = None
    """Webhook subscriptions (graph/webhooks/); None where the app has none (webhook fields
    then answer that they are unavailable)."""
    plan_gave_way: bool = False
    """The request's compiled plan gave way to the executor (graph/compiled/executor.py):
    the executor answers, and no plan is tried again."""

    @property
    def events(self) -> ScopedEvents:
        return self.invoices.events

    @classmethod
    def for_request(
        cls,
        api_key: ApiKey,
        invoices: ScopedInvoices,
        *,
        limits: RequestLimits | None = None,
        report_ingest: IngestReporter = unreported,
        operation_name: str | None = None,
        clock_skew_seconds: float = ACKNOWLEDGE_CLOCK_SKEW_SECONDS,
        default_currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES,
        webhooks: "WebhookAdmin | None" = None,
        live: LiveOptions | None = None,
    ) -> "Context":
        loaders = Loaders(invoices)
        return cls(
            api_key=api_key,
            invoices=invoices,
            loaders=loaders,
            # Audit entries and events name the API key that made each change.
            writer=RequestWriter(invoices, api_key.name, loaders),
            limits=limits,
            report_ingest=report_ingest,
            operation_name=operation_name,
            clock_skew_seconds=clock_skew_seconds,
            default_currencies=default_currencies,
            webhooks=webhooks,
            live=live,
        )


Info = strawberry.Info[Context, None]
