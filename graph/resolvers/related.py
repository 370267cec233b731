"""Invoice.relatedInvoices: the caller's other invoices that share an order."""

from typing import Any

from graph.context import Info
from store.documents import Invoice


async def resolve_related_invoices(root: Invoice, info: Info) -> list[Any]:
    order_ids = [order.orderId for order in root.orders or [] if order.orderId]
    if not order_ids:
        return []
    found = await info.context.loaders.invoices_by_order_id.load_many(order_ids)
    related: dict[str, Invoice] = {}
    for invoices in found:
        for invoice in invoices:
            if invoice.invoiceId != root.invoiceId:
                related.setdefault(invoice.invoiceId, invoice)
    return sorted(related.values(), key=lambda invoice: (invoice.invoiceDate, invoice.invoiceId))
