"""The invoice event feed: one event per change, and its paginated connection."""

import strawberry

from graph.field_resolvers.event_invoice import resolve_event_invoice
from graph.types.described_enum import described_enum
from graph.types.invoice import Invoice, PageInfo
from graph.types.scalars import DateTime
from store.domain.changes import ChangeType

described_enum(
    ChangeType,
    name="InvoiceEventType",
    description="The kind of change. Audit entries name it in auditType.",
    values={
        ChangeType.CREATE: "The invoice was created (invoiceCreate, or a first ingest).",
        ChangeType.STATUS_UPDATE: "invoiceStatus moved (invoiceStatusUpdate).",
        ChangeType.POST: "The invoice was posted to the merchant (invoicePost).",
        ChangeType.ACKNOWLEDGE: "The merchant acknowledged the invoice (invoiceAcknowledge).",
        ChangeType.ATTRIBUTES_UPDATE: "Attributes were set or removed (invoiceAttributesUpdate).",
        ChangeType.SOURCE_UPDATE: (
            "A newer record from the source system replaced the invoice's content, at ingest."
        ),
    },
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
