"""invoiceAttributesUpdate: set some of an invoice's attribute keys and remove others."""

from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceError,
    InvoiceIdArgument,
    invoice_errors,
)
from graph.types.invoice import Invoice, as_invoice
from graph.types.scalars import JSON
from store.domain.changes import AttributesUpdate
from store.domain.refusals import ChangeRefused


@strawberry.type(description="The result of invoiceAttributesUpdate.")
class InvoiceAttributesUpdatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceError] = strawberry.field(
        description="Why nothing changed; empty on success."
    )


async def resolve_invoice_attributes_update(
    info: Info,
    invoiceId: InvoiceIdArgument,
    attributes: Annotated[
        JSON | None,
        strawberry.argument(
            description="A JSON object of top-level attribute keys to set, with their values."
        ),
    ] = None,
    keysToRemove: Annotated[
        list[str] | None,
        strawberry.argument(description="Top-level attribute keys to remove."),
    ] = None,
    expectedVersion: ExpectedVersionArgument = None,
) -> InvoiceAttributesUpdatePayload:
    try:
        # Any JSON value arrives here; AttributesUpdate refuses what is not an object.
        values: Any = {} if attributes is None else attributes
        update = AttributesUpdate(values, list(keysToRemove or []))
        changed = await info.context.writer.apply(invoiceId, update, expectedVersion)
    except ChangeRefused as refused:
        return InvoiceAttributesUpdatePayload(invoice=None, errors=invoice_errors(refused))
    return InvoiceAttributesUpdatePayload(invoice=as_invoice(changed), errors=[])
