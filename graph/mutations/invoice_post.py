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
from store.domain.changes import post
from store.domain.refusals import ChangeRefused


@strawberry.enum(description="Why invoicePost made no change.")
class InvoicePostErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The account has no invoice with this invoiceId."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION",
        description="The invoice is not CREATED, or is DRAFT or DELETED.",
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="The invoice is not at expectedVersion: read it again, then retry.",
    )
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT", description="An argument is invalid; `field` names it."
    )


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
