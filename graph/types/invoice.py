"""The invoice, its global identity, and the paginated list of invoices."""

from collections.abc import Awaitable, Callable
from typing import Any, cast

import strawberry

from graph.global_ids import invoice_global_id
from graph.permissions import READ_PERMISSIONS
from graph.resolvers.related import resolve_related_invoices
from graph.types.enums import InvoiceStatus, InvoiceType, StatusCode
from graph.types.orders import InvoiceOrder
from graph.types.parties import (
    InvoiceCustomer,
    InvoiceLocation,
    InvoiceRetail,
    OrderAuditLog,
    OrderShipInfo,
)
from graph.types.scalars import JSON, DateTime, Decimal
from store.domain import documents


@strawberry.interface(description="An object with a globally unique id (Relay's Node).")
class Node:
    id: strawberry.ID = strawberry.field(description="Globally unique id of the object.")


@strawberry.type(description="The source-system record an invoice was ingested from.")
class InvoiceSource:
    system: str = strawberry.field(
        description="Source system: akinon, fabric, invoicegraph (created here) or demo."
    )
    id: str = strawberry.field(description="Id of the record in the source system.")
    modifiedAt: DateTime | None = strawberry.field(
        description="When the source record was last modified."
    )


@strawberry.type(description="An invoice, in fabric's invoice model, owned by one account.")
class Invoice(Node):
    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, documents.Invoice)

    @strawberry.field(  # type: ignore[misc]  # Node's id, resolved from invoiceId
        description="Globally unique id of the invoice (for `node`)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(invoice_global_id(self.invoiceId))

    invoiceId: strawberry.ID = strawberry.field(description="Unique id of the invoice.")
    invoiceNumber: str = strawberry.field(description="Unique number of the invoice.")
    invoiceStatus: InvoiceStatus | None = strawberry.field(
        description="Current settlement status of the invoice."
    )
    invoiceType: InvoiceType | None = strawberry.field(description="Type of the invoice.")
    invoiceDate: DateTime = strawberry.field(description="Date when the order was invoiced.")
    shipmentId: str | None = strawberry.field(
        description="Shipment id in case of invoice type shipment."
    )
    shipmentNumber: str | None = strawberry.field(
        description="Shipment number in case of invoice type shipment."
    )
    shippedOn: DateTime | None = strawberry.field(description="Date when the order shipped.")
    orders: list[InvoiceOrder] | None = strawberry.field(
        description="Order details for the invoice."
    )
    locationNum: int | None = strawberry.field(
        description="Location number in case of invoice type shipment."
    )
    location: InvoiceLocation | None = strawberry.field(description="Invoice location.")
    retail: InvoiceRetail | None = strawberry.field(description="Retail store details.")
    createdAt: DateTime = strawberry.field(description="Date when the invoice was created.")
    updatedAt: DateTime | None = strawberry.field(
        description="Date when the invoice was last updated."
    )
    postedAt: DateTime | None = strawberry.field(
        description="Date when the invoice was posted for financial processing."
    )
    acknowledgedAt: DateTime | None = strawberry.field(
        description="Date when the invoice was acknowledged."
    )
    statusCode: StatusCode | None = strawberry.field(
        description="Current delivery status of the invoice."
    )
    channelId: str | None = strawberry.field(description="Sales channel of the invoice.")
    invoiceTotal: Decimal = strawberry.field(description="Total amount invoiced.")
    totalTaxAmount: Decimal | None = strawberry.field(description="Total tax amount invoiced.")
    currency: str | None = strawberry.field(description="Currency in which the amount is invoiced.")
    customer: InvoiceCustomer | None = strawberry.field(description="The invoiced customer.")
    auditLogs: list[OrderAuditLog] | None = strawberry.field(description="Audit log list.")
    shipInfo: OrderShipInfo | None = strawberry.field(description="Shipping details.")
    attributes: JSON | None = strawberry.field(
        description="Free-form attributes (source fields without a fabric home)."
    )
    version: int = strawberry.field(
        description="Grows by one with every change; pass it as expectedVersion to update safely."
    )
    source: InvoiceSource | None = strawberry.field(
        description="The source-system record the invoice came from."
    )
    relatedInvoices: list["Invoice"] = strawberry.field(  # type: ignore[assignment]
        resolver=resolve_related_invoices,  # stored invoices, read as Invoice (as_invoice)
        permission_classes=READ_PERMISSIONS,  # it reads other invoices, even in a payload
        description=(
            "The caller's other invoices that share an order with this one "
            "(e.g. a return invoice and its shipping invoice)."
        ),
    )


def as_invoice(document: documents.Invoice) -> Invoice:
    """The stored model serves as the GraphQL object: Strawberry reads fields by attribute."""
    return cast(Invoice, document)


@strawberry.type(description="Pagination state of a connection (Relay PageInfo).")
class PageInfo:
    hasNextPage: bool = strawberry.field(description="Whether more invoices follow this page.")
    hasPreviousPage: bool = strawberry.field(description="Whether invoices precede this page.")
    startCursor: str | None = strawberry.field(description="Cursor of the first edge.")
    endCursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="An invoice in a page, with the cursor to resume after it.")
class InvoiceEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")
    node: Invoice = strawberry.field(description="The invoice.")


@strawberry.type(description="A page of invoices (Relay connection).")
class InvoiceConnection:
    edges: list[InvoiceEdge] = strawberry.field(description="The invoices of this page.")
    pageInfo: PageInfo = strawberry.field(description="Where this page stands in the list.")
    count_matching: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of invoices matching the filter, across all pages.")
    async def totalCount(self) -> int:
        return await self.count_matching()
