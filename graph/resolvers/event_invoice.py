"""InvoiceEvent.invoice: the invoice an event is about, as it is now."""

from typing import Any

import strawberry

from graph.context import Info
from graph.projection import invoice_fields
from graph.types.invoice import Invoice, as_invoice


async def resolve_event_invoice(root: strawberry.Parent[Any], info: Info) -> Invoice | None:
    """Batched with the other events of the page; null once the invoice is deleted."""
    loader = info.context.loaders.invoice_by_id_for(invoice_fields(info))
    found = await loader.load(root.invoiceId)
    return as_invoice(found) if found else None
