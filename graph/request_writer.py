"""The request's InvoiceWriter, which keeps the request's DataLoaders current."""

from collections.abc import Sequence

from graph.dataloaders import Loaders
from store.domain.changes import ChangeRequest
from store.domain.documents import Invoice
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.source_upsert import SourceOutcome, SourceWrite


class RequestWriter(InvoiceWriter):
    """The request's writer: what it creates or changes leaves the request's loaders.

    Mutation fields run one after another; a later field then reads the invoice anew
    instead of the copy an earlier field loaded. Every write of the request (lifecycle
    mutations and pushed ingests alike) goes through here, so none is missed.
    """

    def __init__(self, invoices: ScopedInvoices, actor: str, loaders: Loaders) -> None:
        super().__init__(invoices, actor)
        self._loaders = loaders

    async def create(self, invoice: Invoice) -> Invoice:
        try:
            return await super().create(invoice)
        finally:  # a loader may hold "no such invoice", or its order without it
            self._loaders.forget(invoice.invoiceId)

    async def apply(
        self, invoice_id: str, request: ChangeRequest, expected_version: int | None = None
    ) -> Invoice:
        try:
            return await super().apply(invoice_id, request, expected_version)
        finally:  # even a failed change may have written (its event failed after the update)
            self._loaders.forget(invoice_id)

    async def upsert_from_source(self, invoices: Sequence[Invoice]) -> list[SourceWrite]:
        writes = await super().upsert_from_source(invoices)
        for write in writes:  # a loader may hold the old copy, or "no such invoice"
            if write.outcome in (SourceOutcome.STORED, SourceOutcome.UPDATED):
                self._loaders.forget(write.invoice_id)
        return writes
