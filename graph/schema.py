"""The GraphQL schema: its root types, and the factory that builds it with its services."""

from collections.abc import AsyncGenerator, Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graph.compiled.executor import CompiledExecution, CompiledExecutions
from graph.document_cache import DocumentCache
from graph.limits.argument_errors import ArgumentErrors
from graph.limits.extension import QueryLimitsExtension
from graph.mutations.root import Mutation
from graph.permissions import ADMIN_PERMISSIONS, READ_PERMISSIONS
from graph.resolvers.events import resolve_invoice_events
from graph.resolvers.invoices import (
    resolve_invoice,
    resolve_invoice_by_number,
    resolve_invoices,
    resolve_node,
)
from graph.resolvers.live_events import subscribe_invoice_events
from graph.resolvers.summary import resolve_invoice_summary
from graph.resolvers.webhooks import resolve_webhook_deliveries, resolve_webhook_subscriptions
from graph.types.events import InvoiceEventConnection, InvoiceEventEdge
from graph.types.invoice import Invoice, InvoiceConnection, Node
from graph.types.scalars import SCALAR_MAP
from graph.types.summary import InvoiceSummary
from graph.types.webhooks import WebhookDeliveryConnection, WebhookSubscription


@strawberry.type(description="Reading invoices. Every field sees only the caller's account.")
class Query:
    invoice: Invoice | None = strawberry.field(
        resolver=resolve_invoice,
        permission_classes=READ_PERMISSIONS,
        description="The invoice with this invoiceId, or null when the caller has none.",
    )
    invoiceByNumber: Invoice | None = strawberry.field(
        resolver=resolve_invoice_by_number,
        permission_classes=READ_PERMISSIONS,
        description="The invoice with this invoiceNumber, or null when the caller has none.",
    )
    node: Node | None = strawberry.field(
        resolver=resolve_node,
        permission_classes=READ_PERMISSIONS,
        description="Any object by its global id; null when the caller cannot see it.",
    )
    invoices: InvoiceConnection = strawberry.field(
        resolver=resolve_invoices,
        permission_classes=READ_PERMISSIONS,
        description=(
            "The caller's invoices matching a filter, in a total order (newest first unless "
            "sorted otherwise), a page at a time."
        ),
    )
    invoiceSummary: InvoiceSummary = strawberry.field(
        resolver=resolve_invoice_summary,
        permission_classes=READ_PERMISSIONS,
        description=(
            "Counts and exact sums of the caller's invoices matching a filter, grouped by "
            "status, type and currency."
        ),
    )
    invoiceEvents: InvoiceEventConnection = strawberry.field(
        resolver=resolve_invoice_events,
        permission_classes=READ_PERMISSIONS,
        description=(
            "Every change to the caller's invoices, oldest first, a page at a time: each "
            "invoice's events in version order without gaps. Follow it with the endCursor."
        ),
    )
    webhookSubscriptions: list[WebhookSubscription] = strawberry.field(
        resolver=resolve_webhook_subscriptions,
        permission_classes=ADMIN_PERMISSIONS,
        description="The account's webhook subscriptions, oldest first (never their secrets).",
    )
    webhookDeliveries: WebhookDeliveryConnection = strawberry.field(
        resolver=resolve_webhook_deliveries,
        permission_classes=ADMIN_PERMISSIONS,
        description=(
            "A subscription's deliveries, newest event first: attempts, status codes, the "
            "last error and the next retry. Empty when the account has no such subscription."
        ),
    )


@strawberry.type(description="Live changes, over a WebSocket (graphql-transport-ws) on /graphql.")
class Subscription:
    invoiceEvents: AsyncGenerator[InvoiceEventEdge, None] = strawberry.subscription(
        resolver=subscribe_invoice_events,
        permission_classes=READ_PERMISSIONS,
        description=(
            "Every change to the caller's invoices, oldest first: the events after `after`, "
            "then each new one as it happens. The same events and cursors as "
            "Query.invoiceEvents; reconnect with the last cursor received to miss nothing."
        ),
    )


class InvoiceGraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Nothing here: the view logs unexpected failures once, with the error id it returns."""


def build_schema(
    documents: DocumentCache | None = None, executions: CompiledExecutions | None = None
) -> InvoiceGraphSchema:
    """The schema, its extensions given the process's services (invoicegraph/app.py).

    `documents`: parsed documents by text, parsed, measured and validated once (None: every
    request parses its own); `executions`: compiled execution (None: the executor runs
    every operation). Strawberry gets factories, not extension instances: it makes every
    request its own extensions, so what one learns about a request's document is never
    seen by a concurrent request.
    """
    extensions: list[Callable[[], SchemaExtension]] = [
        # QueryLimitsExtension first: it refuses a query before ArgumentErrors validates it.
        partial(QueryLimitsExtension, documents=documents),
        partial(ArgumentErrors, documents=documents),
    ]
    if executions is not None:
        # Last: it answers from a plan only what all the others let through. Plans are kept
        # with the cached documents, so it needs the cache too.
        cache = documents if documents is not None else DocumentCache()
        extensions.append(partial(CompiledExecution, executions=executions, documents=cache))
    return InvoiceGraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Invoice],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
