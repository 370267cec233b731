"""The per-request context: the caller, its scoped store and its DataLoaders."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import strawberry
from graphql import DocumentNode

from graph.dataloaders import Loaders
from graph.limits import RequestLimits
from graph.request_writer import RequestWriter
from store.events import ScopedEvents
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.keys import ApiKey

IngestReporter = Callable[[Mapping[str, int]], None]
"""Told the records one request ingested, counted by outcome (a seeds.ingest RecordStatus
value: stored, updated, unchanged, stale, rejected); the app counts them in /metrics."""


def unreported(outcomes: Mapping[str, int]) -> None:
    """The reporter when nothing counts ingests (the schema run without the app)."""


@dataclass
class Context:
    """Built anew for every request, so no loader cache is ever shared between callers."""

    api_key: ApiKey
    invoices: ScopedInvoices
    loaders: Loaders
    writer: InvoiceWriter
    limits: RequestLimits | None = None
    """This request's query limits and cost (graph/limits.py); None: the defaults."""
    report_ingest: IngestReporter = unreported
    operation_name: str | None = None
    """The operationName the request sent (Strawberry's own falls back to the first one)."""
    document: DocumentNode | None = None
    """The parsed document once its shape is checked; None if it never parsed (or was refused
    before): the request log reads its operations here instead of parsing it again."""

    @property
    def events(self) -> ScopedEvents:
        return self.invoices.events

    @classmethod
    def for_request(
        cls,
        api_key: ApiKey,
        invoices: ScopedInvoices,
        limits: RequestLimits | None = None,
        report_ingest: IngestReporter = unreported,
        operation_name: str | None = None,
    ) -> "Context":
        loaders = Loaders(invoices)
        return cls(
            api_key=api_key,
            invoices=invoices,
            loaders=loaders,
            # Audit entries and events name the API key that made each change.
            writer=RequestWriter(invoices, api_key.name, loaders),
            limits=limits,
            report_ingest=report_ingest,
            operation_name=operation_name,
        )


Info = strawberry.Info[Context, None]
