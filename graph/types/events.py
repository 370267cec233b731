"""The invoice event feed: one event per change, and its paginated connection."""

import strawberry

from graph.resolvers.event_invoice import resolve_event_invoice
from graph.types.invoice import Invoice, PageInfo
from graph.types.scalars import DateTime
from store.changes import ChangeType

strawberry.enum(
    ChangeType,
    name="InvoiceEventType",
    description=(
        "The kind of change: CREATE (invoiceCreate, or a record first stored by ingest), "
        "STATUS_UPDATE (invoiceStatusUpdate), "
        "POST (invoicePost), ACKNOWLEDGE (invoiceAcknowledge), ATTRIBUTES_UPDATE "
        "(invoiceAttributesUpdate), SOURCE_UPDATE (a newer record from the source system, "
        "at ingest). Audit entries name it in auditType."
    ),
)


@strawberry.type(description="One change to one invoice, in the order changes were made.")
class InvoiceEvent:
    eventId: strawberry.ID = strawberry.field(
        description="Id of the event; the auditId of the change's entry in the invoice's auditLogs."
    )
    invoiceId: strawberry.ID = strawberry.field(description="The invoice that changed.")
    version: int = strawberry.field(
        description=(
            "The invoice's version after the change. Each invoice's events have versions "
            "without gaps, in increasing order."
        )
    )
    type: ChangeType = strawberry.field(description="The kind of change.")
    time: DateTime = strawberry.field(description="When the change was made.")
    changedFields: list[str] = strawberry.field(
        description="Paths of the fields the change set or removed (empty for CREATE)."
    )
    actor: str = strawberry.field(description="Name of the API key that made the change.")
    invoice: Invoice | None = strawberry.field(
        resolver=resolve_event_invoice,
        description="The invoice as it is now; null once it is deleted.",
    )


@strawberry.type(description="An event in a page, with the cursor to resume after it.")
class InvoiceEventEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")
    node: InvoiceEvent = strawberry.field(description="The event.")


@strawberry.type(description="A page of invoice events, oldest first (Relay connection).")
class InvoiceEventConnection:
    edges: list[InvoiceEventEdge] = strawberry.field(description="The events of this page.")
    pageInfo: PageInfo = strawberry.field(description="Where this page stands in the feed.")
