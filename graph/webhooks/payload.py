"""A subscription's payload document: checked once at registration, run at each delivery.

The document is a single query operation taking `$invoiceId`; at delivery it runs for the
changed invoice as the subscription's account, through the same schema, limits and
executor as a request of a read-only key of that account.
"""

from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    GraphQLSyntaxError,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from strawberry.types.graphql import OperationType as StrawberryOperationType

from graph.context import Context
from graph.document_cache import DocumentCache
from graph.limits.checks import LimitPolicy, RequestLimits
from store.client import StoreUnavailable
from store.invoices import InvoiceStore, Scope
from store.keys import ApiKey
from store.webhooks import WebhookSubscription

if TYPE_CHECKING:  # the schema's mutations reach this module: no import at run time
    from graph.schema import InvoiceGraphSchema

INVOICE_ID = "invoiceId"
"""The one variable a payload document is given."""


class PayloadRefused(Exception):
    """A payload document we will not run; the message says why."""


class PayloadUnavailable(Exception):
    """The store could not answer the payload query: the attempt is retried later."""


def payload_key(account: str, subscription_id: str) -> ApiKey:
    """Who runs a subscription's payload: a read-only, non-introspecting key of its account."""
    return ApiKey(
        name=f"webhook:{subscription_id}",
        account=account,
        scopes=frozenset({"read"}),
        introspection=False,
    )


def check_payload_document(
    text: str, schema: "InvoiceGraphSchema", limits: LimitPolicy, account: str
) -> None:
    """Raise PayloadRefused unless `text` parses, is one query operation taking $invoiceId
    (any other variable optional), stays within the query limits and validates."""
    request = RequestLimits(limits.limits, payload_key(account, "new"))
    refusal = request.check_text(text)
    if refusal is not None:
        raise PayloadRefused(refusal.message)
    try:
        document = parse(text)
    except GraphQLSyntaxError as error:
        raise PayloadRefused(f"the document does not parse: {error.message}") from None
    operation = _single_query(document)
    _check_variables(operation)
    refusal = request.check_document(schema._schema, document, None, {INVOICE_ID: "0"})
    if refusal is not None:
        raise PayloadRefused(refusal.message)
    errors = validate(schema._schema, document)
    if errors:
        raise PayloadRefused(f"the document is not valid: {errors[0].message}")


def _single_query(document: DocumentNode) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise PayloadRefused(
            f"the document must hold exactly one operation; it holds {len(operations)}"
        )
    operation = operations[0]
    if operation.operation is not OperationType.QUERY:
        raise PayloadRefused(f"the operation must be a query, not a {operation.operation.value}")
    return operation


def _check_variables(operation: OperationDefinitionNode) -> None:
    names = [v.variable.name.value for v in operation.variable_definitions or ()]
    if INVOICE_ID not in names:
        raise PayloadRefused(
            f"the query must take ${INVOICE_ID} (for example "
            f"query Payload(${INVOICE_ID}: ID!) {{ invoice({INVOICE_ID}: ${INVOICE_ID}) "
            "{ invoiceId } })"
        )
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        required = isinstance(definition.type, NonNullTypeNode) and not definition.default_value
        if name != INVOICE_ID and required:
            raise PayloadRefused(
                f"the query's variable ${name} is required, but a delivery gives only "
                f"${INVOICE_ID}: make it optional or give it a default"
            )


class PayloadRunner:
    """Runs payload documents at delivery time."""

    def __init__(
        self, schema: "InvoiceGraphSchema", invoices: InvoiceStore, limits: LimitPolicy
    ) -> None:
        self._schema = schema
        self._invoices = invoices
        # The limits without the per-key budgets: each document's cost was bounded when it
        # was registered, and deliveries must not be refused for a budget nobody spends.
        self._limits = LimitPolicy(limits.limits)
        self._documents = DocumentCache()

    async def run(self, subscription: WebhookSubscription, invoice_id: str) -> Any:
        """The subscription's query's `data` for this invoice, as its account (and channel)."""
        assert subscription.query is not None
        text = subscription.query
        key = payload_key(subscription.account, subscription.id)
        context = Context.for_request(
            key,
            self._invoices.scoped(Scope(subscription.account, subscription.channelId)),
            self._limits.for_key(key),
            documents=self._documents,
        )
        result = await self._schema.execute(
            text,
            variable_values={INVOICE_ID: invoice_id},
            context_value=context,
            allowed_operation_types={StrawberryOperationType.QUERY},
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
