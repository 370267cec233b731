"""invoiceAcknowledge: the merchant confirmed a POSTED invoice (statusCode ACKNOWLEDGED)."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceError,
    InvoiceIdArgument,
    invoice_errors,
)
from graph.types.invoice import Invoice, as_invoice
from graph.types.scalars import DateTime
from store.domain.changes import acknowledge
from store.domain.refusals import ChangeRefused


@strawberry.type(description="The result of invoiceAcknowledge.")
class InvoiceAcknowledgePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceError] = strawberry.field(
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
        return InvoiceAcknowledgePayload(invoice=None, errors=invoice_errors(refused))
    return InvoiceAcknowledgePayload(invoice=as_invoice(changed), errors=[])
