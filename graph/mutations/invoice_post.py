"""invoicePost: send a CREATED invoice on to the merchant (statusCode POSTED, postedAt now)."""

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceError,
    InvoiceIdArgument,
    invoice_errors,
)
from graph.types.invoice import Invoice, as_invoice
from store.domain.changes import post
from store.domain.refusals import ChangeRefused


@strawberry.type(description="The result of invoicePost.")
class InvoicePostPayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


async def resolve_invoice_post(
    info: Info, invoiceId: InvoiceIdArgument, expectedVersion: ExpectedVersionArgument = None
) -> InvoicePostPayload:
    try:
        changed = await info.context.writer.apply(invoiceId, post(), expectedVersion)
    except ChangeRefused as refused:
        return InvoicePostPayload(invoice=None, errors=invoice_errors(refused))
    return InvoicePostPayload(invoice=as_invoice(changed), errors=[])
