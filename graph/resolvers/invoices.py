"""Root fields that read invoices: lookups by id, number and global id, and the listing."""

from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.resolvers.pagination import decode_cursor, encode_cursor, page_window
from graph.types.invoice import (
    Invoice,
    InvoiceConnection,
    InvoiceEdge,
    Node,
    PageInfo,
    as_invoice,
    invoice_id_from_global_id,
)
from store.keyset import SortKey

DEFAULT_SORT = (SortKey("invoiceDate", descending=True), SortKey("invoiceId", descending=True))


async def resolve_invoice(
    info: Info,
    invoiceId: Annotated[strawberry.ID, strawberry.argument(description="The invoiceId.")],
) -> Invoice | None:
    found = await info.context.loaders.invoice_by_id.load(invoiceId)
    return as_invoice(found) if found else None


async def resolve_invoice_by_number(
    info: Info,
    invoiceNumber: Annotated[str, strawberry.argument(description="The invoiceNumber.")],
) -> Invoice | None:
    found = await info.context.invoices.get_by_number(invoiceNumber)
    return as_invoice(found) if found else None


async def resolve_node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
) -> Node | None:
    invoice_id = invoice_id_from_global_id(id)
    if invoice_id is None:
        return None
    found = await info.context.loaders.invoice_by_id.load(invoice_id)
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
) -> InvoiceConnection:
    invoices = info.context.invoices
    keys = DEFAULT_SORT
    criteria: dict[str, Any] | None = None
    size, cursor, backwards = page_window(first, after, last, before)
    start = decode_cursor("before" if backwards else "after", cursor, keys) if cursor else None
    rows = await invoices.find_page(criteria, keys, start, size + 1, backwards)
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

    async def count_matching() -> int:
        return await invoices.count(criteria)

    return InvoiceConnection(edges=edges, pageInfo=page_info, count_matching=count_matching)
