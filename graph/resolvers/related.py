"""Invoice.relatedInvoices: the caller's other invoices that share an order."""

from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from graph.context import Info
from graph.projection import invoice_fields
from store import documents

if TYPE_CHECKING:  # the type's module uses this resolver: strawberry.lazy breaks the cycle
    from graph.types.invoice import Invoice

RelatedInvoice = Annotated["Invoice", strawberry.lazy("graph.types.invoice")]


async def resolve_related_invoices(root: documents.Invoice, info: Info) -> list[RelatedInvoice]:
    """Oldest first; one command for all the invoices of a page that ask the same fields."""
    order_ids = list(dict.fromkeys(order.orderId for order in root.orders or [] if order.orderId))
    if not order_ids:
        return []
    loader = info.context.loaders.invoices_by_order_id_for(invoice_fields(info))
    found = await loader.load_many(order_ids)
    related: dict[str, documents.Invoice] = {}
    for invoices in found:
        for invoice in invoices:
            if invoice.invoiceId != root.invoiceId:
                related.setdefault(invoice.invoiceId, invoice)
    ordered = sorted(related.values(), key=lambda invoice: (invoice.invoiceDate, invoice.invoiceId))
    # The stored model serves as the GraphQL object (graph.types.invoice.as_invoice).
    return cast("list[RelatedInvoice]", ordered)
