"""invoiceCreate: store a new invoice, validated, in its initial lifecycle state."""

import dataclasses
from enum import Enum
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError

from graph.context import Info
from graph.mutations.results import MutationError, errors_of
from graph.types.inputs import InvoiceCreateInput
from graph.types.invoice import Invoice, as_invoice
from seeds.fabric import fabric_invoice
from store.refusals import INVALID_INPUT, ChangeRefused, Refusal, field_path

SOURCE_SYSTEM = "invoicegraph"
"""The source of invoices created through the API (their source key is their invoiceId)."""


@strawberry.enum(description="Why invoiceCreate stored nothing.")
class InvoiceCreateErrorCode(Enum):
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT",
        description="A value is invalid or the totals do not reconcile; `field` names it.",
    )
    DUPLICATE = strawberry.enum_value(
        "DUPLICATE",
        description="The account already has an invoice with this invoiceNumber or invoiceId.",
    )


@strawberry.type(description="A reason invoiceCreate stored nothing.")
class InvoiceCreateError(MutationError):
    code: InvoiceCreateErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The result of invoiceCreate.")
class InvoiceCreatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The stored invoice, at version 1; null when it was refused."
    )
    errors: list[InvoiceCreateError] = strawberry.field(
        description="Every reason nothing was stored; empty on success."
    )


def _validation_refusals(error: ValidationError) -> ChangeRefused:
    refusals = []
    for problem in error.errors():
        path = field_path([part for part in problem["loc"] if isinstance(part, str | int)])
        reason = problem["msg"].removeprefix("Value error, ")
        refusals.append(Refusal(INVALID_INPUT, f"{path}: {reason}", path or None))
    return ChangeRefused(refusals)


def _record(input: InvoiceCreateInput) -> dict[str, Any]:
    """The input as a fabric record: nested inputs become plain values, absent ones vanish."""
    return {key: value for key, value in dataclasses.asdict(input).items() if value is not None}


def _in_channel(record: dict[str, Any], channel: str | None) -> dict[str, Any]:
    """Under an x-site-context channel, the invoice is of that channel (given or not)."""
    if channel is None:
        return record
    given = record.setdefault("channelId", channel)
    if given != channel:
        reason = f"channelId {given!r} is outside channel {channel!r} of the x-site-context"
        raise ChangeRefused([Refusal(INVALID_INPUT, reason, "channelId")])
    return record


async def resolve_invoice_create(
    info: Info,
    input: Annotated[InvoiceCreateInput, strawberry.argument(description="The new invoice.")],
) -> InvoiceCreatePayload:
    try:
        try:
            record = _in_channel(_record(input), info.context.invoices.scope.channel)
            invoice = fabric_invoice(
                record, info.context.invoices.scope.account, source_system=SOURCE_SYSTEM
            )
        except ValidationError as error:
            raise _validation_refusals(error) from None
        created = await info.context.writer.create(invoice)
    except ChangeRefused as refused:
        errors = errors_of(refused, InvoiceCreateError, InvoiceCreateErrorCode)
        return InvoiceCreatePayload(invoice=None, errors=errors)
    return InvoiceCreatePayload(invoice=as_invoice(created), errors=[])
