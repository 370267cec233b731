"""Root fields that read invoices: lookups by id, number and global id, and the listing.

Each fetches only the fields its selection needs (graph/projection.py).
"""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.projection import invoice_fields, selected_names
from graph.resolvers.filtering import filtered
from graph.resolvers.pagination import decode_cursor, encode_cursor, page_window
from graph.types.filters import InvoiceFilter
from graph.types.invoice import (
    Invoice,
    InvoiceConnection,
    InvoiceEdge,
    Node,
    PageInfo,
    as_invoice,
    invoice_id_from_global_id,
)
from graph.types.sorting import InvoiceSort, sort_keys


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
    return as_invoice(found) if found else None


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
    invoices, criteria = filtered(info.context.invoices, filter)
    keys = sort_keys(sort)
    size, cursor, backwards = page_window(first, after, last, before)
    start = decode_cursor("before" if backwards else "after", cursor, keys) if cursor else None

    async def count_matching() -> int:
        return await invoices.count(criteria)

    if not selected_names(info) & {"edges", "pageInfo"}:
        # Only totalCount was asked for: no page to read.
        return InvoiceConnection(edges=[], pageInfo=EMPTY_PAGE, count_matching=count_matching)
    fields = invoice_fields(info, "edges", "node")
    rows = await invoices.find_page(criteria, keys, start, size + 1, backwards, fields)
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    edges = [
        InvoiceEdge(cursor=encode_cursor(keys, values), node=as_invoice(invoice))
        for invoice, values in rows
    ]
    page_info = PageInfo(
        hasNextPage=has_more if not backwards else cursor is not None,
        hasPreviousPage=has_more if backwards else cursor is not None,
        startCursor=edges[0].cursor if edges else None,
        endCursor=edges[-1].cursor if edges else None,
    )
    return InvoiceConnection(edges=edges, pageInfo=page_info, count_matching=count_matching)


EMPTY_PAGE = PageInfo(hasNextPage=False, hasPreviousPage=False, startCursor=None, endCursor=None)
