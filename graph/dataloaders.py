"""Per-request DataLoaders: batch the lookups of one request into one command each.

A loader fetches one projection (graph/projection.py), so invoices fetched with
different field sets never share a cache entry: `Loaders` keeps one loader per
projection and kind, and every `load` on it within a tick becomes one command.
"""

from collections.abc import Sequence
from contextlib import suppress

from strawberry.dataloader import DataLoader

from graph.projection import Fields
from store.domain.documents import Invoice
from store.invoices import ScopedInvoices, from_document


class InvoiceByIdLoader(DataLoader[str, Invoice | None]):
    """Invoices by invoiceId with one projection (None: whole documents), in key order."""

    def __init__(self, invoices: ScopedInvoices, fields: Fields = None) -> None:
        async def load(invoice_ids: Sequence[str]) -> list[Invoice | None]:
            rows = await invoices.get_many(invoice_ids, fields)
            return [None if row is None else from_document(row) for row in rows]

        super().__init__(load_fn=load)


RelatedKey = tuple[str, tuple[str, ...]]
"""An invoice's id and its order ids: what its related invoices are looked up by."""


class RelatedInvoicesByInvoiceLoader(DataLoader[RelatedKey, list[Invoice]]):
    """The oldest `limit` other invoices sharing an order, with one projection, in key order."""

    def __init__(self, invoices: ScopedInvoices, limit: int, fields: Fields = None) -> None:
        async def load(keys: Sequence[RelatedKey]) -> list[list[Invoice]]:
            return await invoices.find_related(keys, limit, fields)

        super().__init__(load_fn=load)


class Loaders:
    """The loaders of one request, one per projection."""

    def __init__(self, invoices: ScopedInvoices) -> None:
        self._invoices = invoices
        self._invoice_by_id: dict[Fields, InvoiceByIdLoader] = {}
        self._related: dict[tuple[Fields, int], RelatedInvoicesByInvoiceLoader] = {}

    def invoice_by_id_for(self, fields: Fields) -> InvoiceByIdLoader:
        if fields not in self._invoice_by_id:
            self._invoice_by_id[fields] = InvoiceByIdLoader(self._invoices, fields)
        return self._invoice_by_id[fields]

    def related_invoices_for(self, fields: Fields, limit: int) -> RelatedInvoicesByInvoiceLoader:
        if (fields, limit) not in self._related:
            self._related[fields, limit] = RelatedInvoicesByInvoiceLoader(
                self._invoices, limit, fields
            )
        return self._related[fields, limit]

    def forget(self, invoice_id: str) -> None:
        """Drop what this request loaded about an invoice, after changing it."""
        for loader in self._invoice_by_id.values():
            with suppress(KeyError):  # not loaded by this loader
                loader.clear(invoice_id)
        for related in self._related.values():
            related.clear_all()
