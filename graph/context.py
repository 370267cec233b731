"""The per-request context: the caller, its scoped store and its DataLoaders."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry

from graph.dataloaders import Loaders
from store.events import ScopedEvents
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.keys import ApiKey

if TYPE_CHECKING:  # graph.limits reads resolver defaults, which import this module
    from graph.limits import RequestLimits


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

    @classmethod
    def for_request(
        cls, api_key: ApiKey, invoices: ScopedInvoices, limits: "RequestLimits | None" = None
    ) -> "Context":
        return cls(
            api_key=api_key,
            invoices=invoices,
            loaders=Loaders(invoices),
            # Audit entries and events name the API key that made each change.
            writer=InvoiceWriter(invoices, actor=api_key.name),
            events=invoices.events,
            limits=limits,
        )


Info = strawberry.Info[Context, None]
