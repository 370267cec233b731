"""Root fields that read invoices: lookups by id, number and global id, and the listing.

Each fetches only the fields its selection needs (graph/projection.py).
"""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.global_ids import invoice_id_from_global_id
from graph.projection import invoice_fields, selected_names
from graph.resolvers.listing import Listing
from graph.resolvers.pagination import NO_PAGE
from graph.types.filters import InvoiceFilter
from graph.types.invoice import (
    Invoice,
    InvoiceConnection,
    InvoiceEdge,
    Node,
    PageInfo,
    as_invoice,
)
from graph.types.sorting import InvoiceSort
from store.invoices import from_document


async def resolve_invoice(
    info: Info,
    invoiceId: Annotated[strawberry.ID, strawberry.argument(description="The invoiceId.")],
) -> Invoice | None:
    found = await info.context.loaders.invoice_by_id_for(invoice_fields(info)).load(invoiceId)
    return as_invoice(found) if found else None


async def resolve_invoice_by_number(
    info: Info,
    invoiceNumber: Annotated[str, strawberry.argument(description="The invoiceNumber.")],
) -> Invoice | None:
    found = await info.context.invoices.get_by_number(invoiceNumber, invoice_fields(info))
    return as_invoice(from_document(found)) if found else None


async def resolve_node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
) -> Node | None:
    invoice_id = invoice_id_from_global_id(id)
    if invoice_id is None:
        return None
    found = await info.context.loaders.invoice_by_id_for(invoice_fields(info)).load(invoice_id)
    return as_invoice(found) if found else None


async def resolve_invoices(
    info: Info,
    first: Annotated[
        int | None, strawberry.argument(description="Page size walking forwards (at most 100).")
    ] = None,
    after: Annotated[
        str | None, strawberry.argument(description="Cursor to continue forwards after.")
    ] = None,
    last: Annotated[
        int | None, strawberry.argument(description="Page size walking backwards (at most 100).")
    ] = None,
    before: Annotated[
        str | None, strawberry.argument(description="Cursor to continue backwards before.")
    ] = None,
    filter: Annotated[
        InvoiceFilter | None,
        strawberry.argument(description="Only the invoices matching every condition given."),
    ] = None,
    sort: Annotated[
        list[InvoiceSort] | None,
        strawberry.argument(
            description="The order of the list; newest invoiceDate first when not given."
        ),
    ] = None,
) -> InvoiceConnection:
    listing = Listing.of(info.context.invoices, first, after, last, before, filter, sort)
    count_matching = listing.count_matching()
    if not selected_names(info) & {"edges", "pageInfo"}:
        # Only totalCount was asked for: no page to read.
        no_page = PageInfo(**NO_PAGE.page_info())
        return InvoiceConnection(edges=[], pageInfo=no_page, count_matching=count_matching)
    page = await listing.page(invoice_fields(info, "edges", "node"), read_only=False)
    edges = [
        InvoiceEdge(cursor=cursor, node=as_invoice(from_document(row)))
        for row, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return InvoiceConnection(
        edges=edges, pageInfo=PageInfo(**page.page_info()), count_matching=count_matching
    )
