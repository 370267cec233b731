"""Invoice.relatedInvoices: the caller's other invoices that share an order."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import BadUserInput
from graph.page_sizes import DEFAULT_RELATED, MAX_RELATED
from graph.projection import invoice_fields
from store.domain import documents


async def resolve_related_invoices(
    root: documents.Invoice,
    info: Info,
    first: Annotated[
        int | None,
        strawberry.argument(
            description=(
                f"At most this many, oldest first (default {DEFAULT_RELATED}, "
                f"at most {MAX_RELATED})."
            )
        ),
    ] = DEFAULT_RELATED,
) -> list[documents.Invoice]:
    """Oldest first; one command for all the invoices of a page that ask the same fields.

    The stored invoices themselves: the field's type (Invoice) reads them by attribute.
    """
    limit = DEFAULT_RELATED if first is None else first
    if limit < 0:
        raise BadUserInput("first", "must not be negative")
    if limit > MAX_RELATED:
        raise BadUserInput("first", f"at most {MAX_RELATED} related invoices")
    order_ids = tuple(dict.fromkeys(order.orderId for order in root.orders or [] if order.orderId))
    if not order_ids or limit == 0:
        return []
    loader = info.context.loaders.related_invoices_for(invoice_fields(info), limit)
    return await loader.load((root.invoiceId, order_ids))
