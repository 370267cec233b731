"""InvoiceEvent.invoice: the invoice an event is about, as it is now."""

from typing import Any

import strawberry

from graph.context import Info
from graph.projection import invoice_fields
from store.domain import documents


async def resolve_event_invoice(
    root: strawberry.Parent[Any], info: Info
) -> documents.Invoice | None:
    """Batched with the other events of the page; null once the invoice is deleted.

    The stored invoice itself: the field's type (Invoice) reads it by attribute.
    """
    loader = info.context.loaders.invoice_by_id_for(invoice_fields(info))
    return await loader.load(root.invoiceId)
