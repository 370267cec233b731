"""Invoice.relatedInvoices: the caller's other invoices that share an order."""

from typing import Any

from graph.context import Info
from graph.projection import invoice_fields
from store.documents import Invoice


async def resolve_related_invoices(root: Invoice, info: Info) -> list[Any]:
    """Oldest first; one command for all the invoices of a page that ask the same fields."""
    order_ids = list(dict.fromkeys(order.orderId for order in root.orders or [] if order.orderId))
    if not order_ids:
        return []
    loader = info.context.loaders.invoices_by_order_id_for(invoice_fields(info))
    found = await loader.load_many(order_ids)
    related: dict[str, Invoice] = {}
    for invoices in found:
        for invoice in invoices:
            if invoice.invoiceId != root.invoiceId:
                related.setdefault(invoice.invoiceId, invoice)
    return sorted(related.values(), key=lambda invoice: (invoice.invoiceDate, invoice.invoiceId))
