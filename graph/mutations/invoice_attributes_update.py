"""invoiceAttributesUpdate: set some of an invoice's attribute keys and remove others."""

from enum import Enum
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.mutations.results import (
    ExpectedVersionArgument,
    InvoiceIdArgument,
    MutationError,
    errors_of,
)
from graph.types.invoice import Invoice, as_invoice
from graph.types.scalars import JSON
from store.domain.changes import AttributesUpdate
from store.domain.refusals import ChangeRefused


@strawberry.enum(description="Why invoiceAttributesUpdate made no change.")
class InvoiceAttributesUpdateErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The account has no invoice with this invoiceId."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION",
        description="The invoice is DELETED and no longer changes.",
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="The invoice is not at expectedVersion: read it again, then retry.",
    )
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT",
        description="An argument is invalid (e.g. a key both set and removed); `field` names it.",
    )


@strawberry.type(description="A reason invoiceAttributesUpdate made no change.")
class InvoiceAttributesUpdateError(MutationError):
    code: InvoiceAttributesUpdateErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The result of invoiceAttributesUpdate.")
class InvoiceAttributesUpdatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the change; null when it was refused."
    )
    errors: list[InvoiceAttributesUpdateError] = strawberry.field(
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
        errors = errors_of(refused, InvoiceAttributesUpdateError, InvoiceAttributesUpdateErrorCode)
        return InvoiceAttributesUpdatePayload(invoice=None, errors=errors)
    return InvoiceAttributesUpdatePayload(invoice=as_invoice(changed), errors=[])
