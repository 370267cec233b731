"""invoiceStatusUpdate: move an invoice's invoiceStatus along the lifecycle table."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceError,
    InvoiceIdArgument,
    invoice_errors,
)
from graph.types.enums import InvoiceStatus
from graph.types.invoice import Invoice, as_invoice
from store.domain.changes import StatusUpdate
from store.domain.refusals import ChangeRefused


@strawberry.type(description="The result of invoiceStatusUpdate.")
class InvoiceStatusUpdatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


async def resolve_invoice_status_update(
    info: Info,
    invoiceId: InvoiceIdArgument,
    invoiceStatus: Annotated[
        InvoiceStatus, strawberry.argument(description="The status to move the invoice to.")
    ],
    expectedVersion: ExpectedVersionArgument = None,
) -> InvoiceStatusUpdatePayload:
    try:
        changed = await info.context.writer.apply(
            invoiceId, StatusUpdate(invoiceStatus), expectedVersion
        )
    except ChangeRefused as refused:
        return InvoiceStatusUpdatePayload(invoice=None, errors=invoice_errors(refused))
    return InvoiceStatusUpdatePayload(invoice=as_invoice(changed), errors=[])
