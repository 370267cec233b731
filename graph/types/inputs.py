"""The input for creating an invoice: fabric's invoice model, field for field.

Its fields, and the `<Type>Input` types they nest, are the document model's
(graph/types/fabric_shape.py), but for the fields the service owns: createdAt, updatedAt,
postedAt, acknowledgedAt, statusCode and auditLogs are set by the lifecycle
(docs/lifecycle.md), as are version and source.
"""

import strawberry

import graph.types.invoice  # noqa: F401  # the object types the inputs mirror
from graph.types.enums import InvoiceStatus
from graph.types.fabric_shape import fabric_input
from graph.types.scalars import JSON, DateTime, Decimal
from store.domain import documents

SERVICE_OWNED = frozenset(
    {"createdAt", "updatedAt", "postedAt", "acknowledgedAt", "statusCode", "auditLogs"}
)
"""Fields of the invoice body that the lifecycle sets, never a client."""


@fabric_input(
    documents.InvoiceBody,
    exclude=SERVICE_OWNED,
    description=(
        "A new invoice in fabric's invoice model. Totals must reconcile exactly: each "
        "order's invoiceOrderTotal is the sum of its items' invoiceLineTotal, invoiceTotal "
        "the sum of the orders' invoiceOrderTotal, and totalTaxAmount (when given) the sum "
        "of the items' itemTaxTotal."
    ),
)
class InvoiceCreateInput:
    """The model's fields; these few differ: identity and totals required or defaulted."""

    invoiceId: strawberry.ID | None = strawberry.field(
        default=None,
        description="Unique id of the invoice; a fresh 24-hex id when omitted.",
    )
    invoiceNumber: str = strawberry.field(
        description="Unique number of the invoice within the account."
    )
    invoiceStatus: InvoiceStatus | None = strawberry.field(
        default=None,
        description=(
            "Settlement status to start in (DRAFT when omitted); any status a new invoice "
            "can start in (docs/lifecycle.md), never DELETED."
        ),
    )
    invoiceDate: DateTime | None = strawberry.field(
        default=None,
        description="Date when the order was invoiced; the creation time when omitted.",
    )
    invoiceTotal: Decimal
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form attributes (a JSON object)."
    )
