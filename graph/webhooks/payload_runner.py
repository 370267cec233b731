"""A subscription's payload document run at each delivery: for the changed invoice, as the
subscription's account, through the same schema, limits and executor as a request of a
read-only key of that account (graph/webhooks/payload.py checked it at registration).
"""

from typing import Any

import strawberry
from strawberry.types.graphql import OperationType

from graph.context import Context
from graph.limits.checks import LimitPolicy
from graph.webhooks.payload import INVOICE_ID, payload_key
from store.client import StoreUnavailable
from store.invoices import InvoiceStore, Scope
from store.webhooks import WebhookSubscription


class PayloadUnavailable(Exception):
    """The store could not answer the payload query: the attempt is retried later."""


class PayloadRunner:
    """Runs payload documents at delivery time."""

    def __init__(
        self, schema: strawberry.Schema, invoices: InvoiceStore, limits: LimitPolicy
    ) -> None:
        """`schema`: built for deliveries (graph/schema.py), with a document cache of its own."""
        self._schema = schema
        self._invoices = invoices
        # The limits without the per-key budgets: each document's cost was bounded when it
        # was registered, and deliveries must not be refused for a budget nobody spends.
        self._limits = LimitPolicy(limits.limits)

    async def run(self, subscription: WebhookSubscription, invoice_id: str) -> Any:
        """The subscription's query's `data` for this invoice, as its account (and channel)."""
        assert subscription.query is not None
        text = subscription.query
        key = payload_key(subscription.account, subscription.id)
        context = Context.for_request(
            key,
            self._invoices.scoped(Scope(subscription.account, subscription.channelId)),
            limits=self._limits.for_key(key),
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
