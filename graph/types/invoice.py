"""The invoice, its global identity, and the paginated list of invoices."""

from collections.abc import Awaitable, Callable
from typing import Any, cast

import strawberry

import graph.types.parties  # noqa: F401  # the types an invoice nests
from graph.field_resolvers.related_invoices import resolve_related_invoices
from graph.global_ids import invoice_global_id
from graph.permissions import READ_PERMISSIONS
from graph.types.fabric_shape import fabric_type
from store.domain import documents


@strawberry.interface(description="An object with a globally unique id (Relay's Node).")
class Node:
    id: strawberry.ID = strawberry.field(description="Globally unique id of the object.")


@fabric_type(
    documents.InvoiceSource, description="The source-system record an invoice was ingested from."
)
class InvoiceSource:
    pass


@fabric_type(
    documents.Invoice,
    description="An invoice, in fabric's invoice model, owned by one account.",
    exclude={"account"},  # the scope of every read, never served
)
class Invoice(Node):
    """Every field of the document model, and the fields computed from it below."""

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, documents.Invoice)

    @strawberry.field(  # type: ignore[misc]  # Node's id, resolved from invoiceId
        description="Globally unique id of the invoice (for `node`)."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(invoice_global_id(self.invoiceId))

    invoiceId: strawberry.ID
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
