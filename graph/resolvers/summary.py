"""Query.invoiceSummary: counts and exact sums of the invoices a filter selects."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import SumOutOfRange
from graph.resolvers.filtering import filtered
from graph.types.filters import InvoiceFilter
from graph.types.summary import InvoiceSummary
from store import invoice_summary
from store.invoice_summary import summarize_invoices


async def resolve_invoice_summary(
    info: Info,
    filter: Annotated[
        InvoiceFilter | None,
        strawberry.argument(description="Only the invoices matching every condition given."),
    ] = None,
) -> InvoiceSummary:
    invoices, criteria = filtered(info.context.invoices, filter)
    try:
        summary = await summarize_invoices(invoices, criteria)
    except invoice_summary.SumOutOfRange as error:
        raise SumOutOfRange(f"Cannot sum the invoices: {error}") from None
    return InvoiceSummary(summary=summary)
