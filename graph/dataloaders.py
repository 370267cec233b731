"""Per-request DataLoaders: batch the lookups of one request into one command each."""

from collections import defaultdict
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from store.documents import Invoice
from store.invoices import ScopedInvoices


class InvoiceByIdLoader(DataLoader[str, Invoice | None]):
    """Invoices by invoiceId, full documents, in key order."""

    def __init__(self, invoices: ScopedInvoices) -> None:
        async def load(invoice_ids: Sequence[str]) -> list[Invoice | None]:
            return await invoices.get_many(invoice_ids)

        super().__init__(load_fn=load)


class InvoicesByOrderIdLoader(DataLoader[str, list[Invoice]]):
    """All the scope's invoices covering each orderId, in key order."""

    def __init__(self, invoices: ScopedInvoices) -> None:
        async def load(order_ids: Sequence[str]) -> list[list[Invoice]]:
            found = await invoices.find(
                {"orders.orderId": {"$in": list(order_ids)}}, sort=[("invoiceId", 1)], limit=0
            )
            by_order: dict[str, list[Invoice]] = defaultdict(list)
            for invoice in found:
                for order in invoice.orders or []:
                    if order.orderId is not None:
                        by_order[order.orderId].append(invoice)
            return [by_order.get(order_id, []) for order_id in order_ids]

        super().__init__(load_fn=load)


class Loaders:
    """The loaders of one request."""

    def __init__(self, invoices: ScopedInvoices) -> None:
        self.invoice_by_id = InvoiceByIdLoader(invoices)
        self.invoices_by_order_id = InvoicesByOrderIdLoader(invoices)
