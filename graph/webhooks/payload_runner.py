"""A subscription's payload document run at each delivery: for the changed invoice, as the
subscription's account, through the same schema, limits and executor as a request of a
read-only key of that account (graph/webhooks/payload.py checked it at registration).
"""

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types.graphql import OperationType

from graph.limits.checks import LimitPolicy, RequestLimits
from graph.webhooks.payload import INVOICE_ID, payload_key
from store.client import StoreUnavailable
from store.invoices import InvoiceStore, Scope, ScopedInvoices
from store.keys import ApiKey
from store.webhooks import WebhookSubscription

RequestContexts = Callable[[ApiKey, ScopedInvoices, RequestLimits], object]
"""Makes the context a payload query runs with (graph/context.py's Context, for a key)."""


class PayloadUnavailable(Exception):
    """The store could not answer the payload query: the attempt is retried later."""


class PayloadRunner:
    """Runs payload documents at delivery time."""

    def __init__(
        self,
        schema: strawberry.Schema,
        contexts: RequestContexts,
        invoices: InvoiceStore,
        limits: LimitPolicy,
    ) -> None:
        """`schema`: built for deliveries (graph/schema.py), with a document cache of its own;
        `contexts`: the schema's request contexts."""
        self._schema = schema
        self._contexts = contexts
        self._invoices = invoices
        # The limits without the per-key budgets: each document's cost was bounded when it
        # was registered, and deliveries must not be refused for a budget nobody spends.
        self._limits = LimitPolicy(limits.limits)

    async def run(self, subscription: WebhookSubscription, invoice_id: str) -> Any:
        """The subscription's query's `data` for this invoice, as its account (and channel)."""
        assert subscription.query is not None
        text = subscription.query
        key = payload_key(subscription.account, subscription.id)
        context = self._contexts(
            key,
            self._invoices.scoped(Scope(subscription.account, subscription.channelId)),
            self._limits.for_key(key),
        )
        result = await self._schema.execute(
            text,
            variable_values={INVOICE_ID: invoice_id},
            context_value=context,
            allowed_operation_types={OperationType.QUERY},
        )
        failures = [
            error
            for error in result.errors or ()
            if isinstance(error.original_error, StoreUnavailable)
        ]
        if failures:
            raise PayloadUnavailable("the invoice store was unavailable")
        if result.data is None and result.errors:
            # Refused before running (a limit changed since registration): retried later.
            raise PayloadUnavailable(result.errors[0].message)
        return result.data
