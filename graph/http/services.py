"""What the HTTP and WebSocket sides of /graphql share, handed in by the app factory: the
keys, the store, persisted documents, the limits, and what a request's Context is given."""

from collections.abc import Callable
from dataclasses import dataclass, field

from graph.context import Context, IngestReporter, LiveOptions, unreported
from graph.http.params import BodyLimits
from graph.limits.checks import LimitPolicy, QueryLimits, RequestLimits
from graph.persisted.requests import PersistedQueries
from graph.webhooks.admin import WebhookAdmin
from seeds.akinon_currency import NO_DEFAULT_CURRENCIES, DefaultCurrencies
from store.domain.changes import ACKNOWLEDGE_CLOCK_SKEW_SECONDS
from store.invoices import InvoiceStore, Scope
from store.keys import ApiKey, ApiKeys


def _no_webhooks() -> WebhookAdmin | None:
    return None


@dataclass(frozen=True)
class EndpointServices:
    """The process's services behind /graphql. Those opened at start-up are functions, asked
    at each request (the app is built before its resources open)."""

    keys: Callable[[], ApiKeys]
    invoices: Callable[[], InvoiceStore]
    persisted: Callable[[], PersistedQueries]
    limits: LimitPolicy = field(default_factory=lambda: LimitPolicy(QueryLimits()))
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    report_ingest: IngestReporter = unreported
    clock_skew_seconds: float = ACKNOWLEDGE_CLOCK_SKEW_SECONDS
    default_currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES
    webhooks: Callable[[], WebhookAdmin | None] = _no_webhooks

    def context(
        self,
        api_key: ApiKey,
        scope: Scope,
        operation_name: str | None,
        limits: RequestLimits | None = None,
        live: LiveOptions | None = None,
    ) -> Context:
        """A new request's Context: `operation_name` as the request sent it; `limits`: the
        key's (made here unless the caller holds them already)."""
        return Context.for_request(
            api_key,
            self.invoices().scoped(scope),
            limits=limits or self.limits.for_key(api_key),
            report_ingest=self.report_ingest,
            operation_name=operation_name,
            clock_skew_seconds=self.clock_skew_seconds,
            default_currencies=self.default_currencies,
            webhooks=self.webhooks(),
            live=live,
        )
