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
from store.domain.changes import StatusUpdate
from store.domain.refusals import ChangeRefused


@strawberry.enum(description="Why invoiceStatusUpdate made no change.")
class InvoiceStatusUpdateErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The account has no invoice with this invoiceId."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION",
        description=(
            "The lifecycle does not allow this move from the current status (docs/lifecycle.md)."
        ),
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="The invoice is not at expectedVersion: read it again, then retry.",
    )
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT", description="An argument is invalid; `field` names it."
    )


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
