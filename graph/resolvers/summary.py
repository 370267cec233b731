"""Query.invoiceSummary: counts and exact sums of the invoices a filter selects."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.types.filters import InvoiceFilter, filter_conditions
from graph.types.summary import InvoiceSummary
from store.invoice_filters import asks_for_deleted, invoice_criteria
from store.invoice_summary import summarize_invoices


async def resolve_invoice_summary(
    info: Info,
    filter: Annotated[
        InvoiceFilter | None,
        strawberry.argument(description="Only the invoices matching every condition given."),
    ] = None,
) -> InvoiceSummary:
    conditions = filter_conditions(filter)
    invoices = info.context.invoices
    if asks_for_deleted(conditions):
        invoices = invoices.including_deleted()
    summary = await summarize_invoices(invoices, invoice_criteria(conditions))
    return InvoiceSummary(summary=summary)
