"""invoiceStatusUpdate: move an invoice's invoiceStatus along the lifecycle table."""

from enum import Enum
from typing import Annotated

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceIdArgument,
    MutationError,
    errors_of,
)
from graph.types.enums import InvoiceStatus
from graph.types.invoice import Invoice, as_invoice
from store.changes import StatusUpdate
from store.refusals import ChangeRefused


@strawberry.enum(
    description=(
        "Why invoiceStatusUpdate made no change: NOT_FOUND (no such invoice in the account), "
        "INVALID_TRANSITION (the lifecycle does not allow the move), VERSION_CONFLICT (the "
        "invoice is not at expectedVersion), INVALID_INPUT (an argument is invalid)."
    )
)
class InvoiceStatusUpdateErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_INPUT = "INVALID_INPUT"


@strawberry.type(description="A reason invoiceStatusUpdate made no change.")
class InvoiceStatusUpdateError(MutationError):
    code: InvoiceStatusUpdateErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The result of invoiceStatusUpdate.")
class InvoiceStatusUpdatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceStatusUpdateError] = strawberry.field(
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
        errors = errors_of(refused, InvoiceStatusUpdateError, InvoiceStatusUpdateErrorCode)
        return InvoiceStatusUpdatePayload(invoice=None, errors=errors)
    return InvoiceStatusUpdatePayload(invoice=as_invoice(changed), errors=[])
