"""Per-request DataLoaders: batch the lookups of one request into one command each.

A loader fetches one projection (graph/projection.py), so invoices fetched with
different field sets never share a cache entry: `Loaders` keeps one loader per
projection and kind, and every `load` on it within a tick becomes one command.
"""

from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress

from strawberry.dataloader import DataLoader

from graph.projection import Fields
from store.documents import Invoice
from store.invoices import ScopedInvoices


class InvoiceByIdLoader(DataLoader[str, Invoice | None]):
    """Invoices by invoiceId with one projection (None: whole documents), in key order."""

    def __init__(self, invoices: ScopedInvoices, fields: Fields = None) -> None:
        async def load(invoice_ids: Sequence[str]) -> list[Invoice | None]:
            return await invoices.get_many(invoice_ids, fields)

        super().__init__(load_fn=load)


class InvoicesByOrderIdLoader(DataLoader[str, list[Invoice]]):
    """All the scope's invoices covering each orderId, with one projection, in key order."""

    def __init__(self, invoices: ScopedInvoices, fields: Fields = None) -> None:
        async def load(order_ids: Sequence[str]) -> list[list[Invoice]]:
            found = await invoices.find_by_order_ids(order_ids, fields)
            by_order: dict[str, list[Invoice]] = defaultdict(list)
            for invoice in found:
                for order_id in {order.orderId for order in invoice.orders or []}:
                    if order_id is not None:
                        by_order[order_id].append(invoice)
            return [by_order.get(order_id, []) for order_id in order_ids]

        super().__init__(load_fn=load)


class Loaders:
    """The loaders of one request, one per projection."""

    def __init__(self, invoices: ScopedInvoices) -> None:
        self._invoices = invoices
        self._invoice_by_id: dict[Fields, InvoiceByIdLoader] = {}
        self._invoices_by_order_id: dict[Fields, InvoicesByOrderIdLoader] = {}

    def invoice_by_id_for(self, fields: Fields) -> InvoiceByIdLoader:
        if fields not in self._invoice_by_id:
            self._invoice_by_id[fields] = InvoiceByIdLoader(self._invoices, fields)
        return self._invoice_by_id[fields]

    def invoices_by_order_id_for(self, fields: Fields) -> InvoicesByOrderIdLoader:
        if fields not in self._invoices_by_order_id:
            self._invoices_by_order_id[fields] = InvoicesByOrderIdLoader(self._invoices, fields)
        return self._invoices_by_order_id[fields]

    def forget(self, invoice_id: str) -> None:
        """Drop what this request loaded about an invoice, after changing it."""
        for loader in self._invoice_by_id.values():
            with suppress(KeyError):  # not loaded by this loader
                loader.clear(invoice_id)
        for by_order in self._invoices_by_order_id.values():
            by_order.clear_all()
