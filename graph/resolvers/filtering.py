"""What a listing's `filter` argument selects: the invoices it reads and their criteria."""

from typing import Any

from graph.types.filters import InvoiceFilter, filter_conditions
from store.invoice_filters import asks_for_deleted, invoice_criteria
from store.invoices import ScopedInvoices


def filtered(
    invoices: ScopedInvoices, filter: InvoiceFilter | None
) -> tuple[ScopedInvoices, dict[str, Any] | None]:
    """The invoices to read (deleted ones only when the filter names DELETED) and the criteria."""
    conditions = filter_conditions(filter)
    if asks_for_deleted(conditions):
        invoices = invoices.including_deleted()
    return invoices, invoice_criteria(conditions)
