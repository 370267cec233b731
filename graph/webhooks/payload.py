"""A subscription's payload document, checked once at registration: a single query
operation taking `$invoiceId`, within the query limits (graph/webhooks/payload_runner.py
runs it at each delivery).
"""

from graphql import (
    DocumentNode,
    GraphQLSchema,
    GraphQLSyntaxError,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)

from graph.limits.checks import LimitPolicy, RequestLimits
from store.keys import ApiKey

INVOICE_ID = "invoiceId"
"""The one variable a payload document is given."""


class PayloadRefused(Exception):
    """A payload document we will not run; the message says why."""


def payload_key(account: str, subscription_id: str) -> ApiKey:
    """Who runs a subscription's payload: a read-only, non-introspecting key of its account."""
    return ApiKey(
        name=f"webhook:{subscription_id}",
        account=account,
        scopes=frozenset({"read"}),
        introspection=False,
    )


def check_payload_document(
    text: str, schema: GraphQLSchema, limits: LimitPolicy, account: str
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
    refusal = request.check_document(schema, document, None, {INVOICE_ID: "0"})
    if refusal is not None:
        raise PayloadRefused(refusal.message)
    errors = validate(schema, document)
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
