"""The per-request context: the caller, its scoped store and its DataLoaders."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry

from graph.dataloaders import Loaders
from store.changes import Planner
from store.documents import Invoice
from store.events import ScopedEvents
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.keys import ApiKey

if TYPE_CHECKING:  # graph.limits reads resolver defaults, which import this module
    from graph.limits import RequestLimits


IngestReporter = Callable[[Mapping[str, int]], None]
"""Told the records one request ingested, counted by outcome (a seeds.ingest RecordStatus
value: stored, updated, unchanged, stale, rejected); the app counts them in /metrics."""


def unreported(outcomes: Mapping[str, int]) -> None:
    """The reporter when nothing counts ingests (the schema run without the app)."""


class RequestWriter(InvoiceWriter):
    """The request's writer: what it creates or changes leaves the request's loaders.

    Mutation fields run one after another; a later field then reads the invoice anew
    instead of the copy an earlier field loaded.
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
        self, invoice_id: str, planner: Planner, expected_version: int | None = None
    ) -> Invoice:
        try:
            return await super().apply(invoice_id, planner, expected_version)
        finally:  # even a failed change may have written (its event failed after the update)
            self._loaders.forget(invoice_id)


@dataclass
class Context:
    """Built anew for every request, so no loader cache is ever shared between callers."""

    api_key: ApiKey
    invoices: ScopedInvoices
    loaders: Loaders
    writer: InvoiceWriter
    events: ScopedEvents
    limits: "RequestLimits | None" = None
    """This request's query limits and cost (graph/limits.py); None: the defaults."""
    report_ingest: IngestReporter = unreported

    @classmethod
    def for_request(
        cls,
        api_key: ApiKey,
        invoices: ScopedInvoices,
        limits: "RequestLimits | None" = None,
        report_ingest: IngestReporter = unreported,
    ) -> "Context":
        loaders = Loaders(invoices)
        return cls(
            api_key=api_key,
            invoices=invoices,
            loaders=loaders,
            # Audit entries and events name the API key that made each change.
            writer=RequestWriter(invoices, api_key.name, loaders),
            events=invoices.events,
            limits=limits,
            report_ingest=report_ingest,
        )


Info = strawberry.Info[Context, None]
