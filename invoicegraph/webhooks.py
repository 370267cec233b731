"""The webhook parts of the app: the subscription service and the deliverer, from settings."""

import logging
from dataclasses import dataclass

import strawberry

from graph.context import Context
from graph.core_schema import core_schema
from graph.document_cache import DocumentCache
from graph.limits.checks import LimitPolicy, RequestLimits
from graph.schema import build_schema
from graph.webhooks.admin import WebhookAdmin
from graph.webhooks.deliverer import DeliveryOptions, RetrySchedule, WebhookDeliverer
from graph.webhooks.payload_runner import PayloadRunner
from graph.webhooks.targets import TargetPolicy
from invoicegraph.metrics import Metrics, WebhookCounters
from invoicegraph.settings import Settings
from store.client import Database
from store.event_feed import EventStore
from store.event_relay import EventRelay
from store.invoices import InvoiceStore, ScopedInvoices
from store.keys import ApiKey
from store.persisted_documents import PersistedDocuments
from store.webhook_outbox import WebhookOutbox
from store.webhook_secrets import SecretBox, parse_keys
from store.webhooks import WebhookSubscriptions

log = logging.getLogger("invoicegraph.webhooks")


@dataclass
class Webhooks:
    admin: WebhookAdmin
    deliverer: WebhookDeliverer | None
    """None when this process delivers nothing (webhook_concurrency 0)."""


def secret_box(settings: Settings) -> SecretBox | None:
    """The configured keys; the embedded store, which dies with the process, makes its own."""
    if settings.webhook_secret_keys:
        return SecretBox(parse_keys(settings.webhook_secret_keys))
    if settings.embedded:
        return SecretBox.ephemeral()
    log.warning("INVOICEGRAPH_WEBHOOK_SECRET_KEYS is not set: webhook subscriptions cannot be made")
    return None


def retry_schedule(settings: Settings) -> RetrySchedule:
    return RetrySchedule(
        first=settings.webhook_retry_first_seconds,
        factor=settings.webhook_retry_factor,
        maximum=settings.webhook_retry_max_seconds,
        horizon=settings.webhook_give_up_seconds,
    )


def payload_context(api_key: ApiKey, invoices: ScopedInvoices, limits: RequestLimits) -> Context:
    return Context.for_request(api_key, invoices, limits=limits)


def build_webhooks(
    settings: Settings,
    database: Database,
    relay: EventRelay,
    limits: LimitPolicy,
    metrics: Metrics,
    schema: strawberry.Schema,
) -> Webhooks:
    """`database`: a sibling handle, so the deliverer's commands are counted apart; `schema`:
    the app's, which subscriptions' payload documents are checked against."""
    subscriptions = WebhookSubscriptions(database)
    outbox = WebhookOutbox(database, settings.webhook_keep_seconds)
    box = secret_box(settings)
    policy = TargetPolicy(settings.webhook_allow_private_targets)
    schedule = retry_schedule(settings)
    admin = WebhookAdmin(
        subscriptions,
        outbox,
        box,
        policy,
        core_schema(schema),
        limits,
        PersistedDocuments(database),
        schedule.horizon,
    )
    if settings.webhook_concurrency == 0 or box is None:
        return Webhooks(admin, None)
    invoices = InvoiceStore(database, EventStore(database, relay))
    deliverer = WebhookDeliverer(
        subscriptions,
        outbox,
        invoices,
        # Deliveries parse and plan apart from requests: their own cache, the executor only.
        PayloadRunner(build_schema(DocumentCache()), payload_context, invoices, limits),
        box,
        policy,
        DeliveryOptions(
            timeout=settings.webhook_timeout_seconds,
            lease=settings.webhook_lease_seconds,
            poll=settings.webhook_poll_seconds,
            concurrency=settings.webhook_concurrency,
            schedule=schedule,
        ),
        WebhookCounters(metrics),
    )
    admin.changed.append(deliverer.poke)
    return Webhooks(admin, deliverer)
