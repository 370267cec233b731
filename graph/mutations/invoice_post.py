"""invoicePost: send a CREATED invoice on to the merchant (statusCode POSTED, postedAt now)."""

from enum import Enum

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceIdArgument,
    MutationError,
    errors_of,
)
from graph.types.invoice import Invoice, as_invoice
from store.changes import post
from store.refusals import ChangeRefused


@strawberry.enum(
    description=(
        "Why invoicePost made no change: NOT_FOUND (no such invoice in the account), "
        "INVALID_TRANSITION (not CREATED, or a DRAFT or DELETED invoice), VERSION_CONFLICT "
        "(the invoice is not at expectedVersion), INVALID_INPUT (an argument is invalid)."
    )
)
class InvoicePostErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_INPUT = "INVALID_INPUT"


@strawberry.type(description="A reason invoicePost made no change.")
class InvoicePostError(MutationError):
    code: InvoicePostErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The result of invoicePost.")
class InvoicePostPayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoicePostError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


async def resolve_invoice_post(
    info: Info, invoiceId: InvoiceIdArgument, expectedVersion: ExpectedVersionArgument = None
) -> InvoicePostPayload:
    try:
        changed = await info.context.writer.apply(invoiceId, post(), expectedVersion)
    except ChangeRefused as refused:
        errors = errors_of(refused, InvoicePostError, InvoicePostErrorCode)
        return InvoicePostPayload(invoice=None, errors=errors)
    return InvoicePostPayload(invoice=as_invoice(changed), errors=[])
