"""invoiceAcknowledge: the merchant confirmed a POSTED invoice (statusCode ACKNOWLEDGED)."""

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
from graph.types.invoice import Invoice, as_invoice
from graph.types.scalars import DateTime
from store.domain.changes import acknowledge
from store.domain.refusals import ChangeRefused


@strawberry.enum(description="Why invoiceAcknowledge made no change.")
class InvoiceAcknowledgeErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The account has no invoice with this invoiceId."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION",
        description="The invoice is not POSTED, or is DRAFT or DELETED.",
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="The invoice is not at expectedVersion: read it again, then retry.",
    )
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT",
        description=(
            "An argument is invalid (e.g. acknowledgedAt before postedAt, or in the "
            "future); `field` names it."
        ),
    )


@strawberry.type(description="A reason invoiceAcknowledge made no change.")
class InvoiceAcknowledgeError(MutationError):
    code: InvoiceAcknowledgeErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The result of invoiceAcknowledge.")
class InvoiceAcknowledgePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceAcknowledgeError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


async def resolve_invoice_acknowledge(
    info: Info,
    invoiceId: InvoiceIdArgument,
    acknowledgedAt: Annotated[
        DateTime | None,
        strawberry.argument(
            description=(
                "When the merchant acknowledged the invoice; now when omitted. Not before "
                "postedAt, and not later than now plus the clock-skew allowance "
                "(INVOICEGRAPH_CLOCK_SKEW_SECONDS, 60 by default)."
            )
        ),
    ] = None,
    expectedVersion: ExpectedVersionArgument = None,
) -> InvoiceAcknowledgePayload:
    try:
        changed = await info.context.writer.apply(
            invoiceId,
            acknowledge(acknowledgedAt, info.context.clock_skew_seconds),
            expectedVersion,
        )
    except ChangeRefused as refused:
        errors = errors_of(refused, InvoiceAcknowledgeError, InvoiceAcknowledgeErrorCode)
        return InvoiceAcknowledgePayload(invoice=None, errors=errors)
    return InvoiceAcknowledgePayload(invoice=as_invoice(changed), errors=[])
