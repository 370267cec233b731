"""invoiceCreate: store a new invoice, validated, in its initial lifecycle state."""

import copy
import dataclasses
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError

from graph.context import Info
from graph.mutations.results import InvoiceError, invoice_errors
from graph.types.inputs import InvoiceCreateInput
from graph.types.invoice import Invoice, as_invoice
from seeds.fabric import fabric_invoice
from store.domain.documents import InvoiceBody
from store.domain.message_values import shown
from store.domain.refusals import INVALID_INPUT, ChangeRefused, Refusal, field_path
from store.invoice_writer import creation_problems

SOURCE_SYSTEM = "invoicegraph"
"""The source of invoices created through the API (their source key is their invoiceId)."""


@strawberry.type(description="The result of invoiceCreate.")
class InvoiceCreatePayload:
    invoice: Invoice | None = strawberry.field(
        description="The stored invoice, at version 1; null when it was refused."
    )
    errors: list[InvoiceError] = strawberry.field(
        description="Every reason nothing was stored; empty on success."
    )


def _validation_refusals(error: ValidationError) -> list[Refusal]:
    refusals = []
    for problem in error.errors():
        path = field_path(_location(problem["loc"]))
        reason = problem["msg"].removeprefix("Value error, ")
        refusals.append(Refusal(INVALID_INPUT, f"{path}: {reason}", path or None))
    return refusals


def _location(loc: tuple[object, ...]) -> list[str | int]:
    return [part for part in loc if isinstance(part, str | int)]


def _without(record: dict[str, Any], locations: list[list[str | int]]) -> dict[str, Any] | None:
    """A copy of the record without the values at these locations; None if one is not there."""
    pruned = copy.deepcopy(record)
    for location in locations:
        parent: Any = pruned
        for part in location[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                return None
        if not location or not isinstance(parent, dict) or location[-1] not in parent:
            return None
        del parent[location[-1]]
    return pruned


def _all_problems(record: dict[str, Any], error: ValidationError) -> list[Refusal]:
    """The invalid values, and what else is wrong with the rest of the invoice.

    The invalid values are left out and the rest checked as a new invoice would be, so
    one bad amount does not hide a total that does not reconcile or a bad start status.
    Checks that read a value left out are skipped: their answer would be a guess.
    """
    refusals = _validation_refusals(error)
    locations = [_location(problem["loc"]) for problem in error.errors()]
    pruned = _without(record, locations)
    if pruned is None:
        return refusals
    try:
        body = InvoiceBody.model_validate(pruned)
    except ValidationError:  # e.g. a required value was the invalid one
        return refusals
    left_out = {field_path(location) for location in locations}
    taxes_unknown = any(path.endswith(".itemTaxTotal") for path in left_out)
    for refusal in creation_problems(body):
        if refusal.field in left_out or (taxes_unknown and refusal.field == "totalTaxAmount"):
            continue
        refusals.append(refusal)
    return refusals


def _record(input: InvoiceCreateInput) -> dict[str, Any]:
    """The input as a fabric record: nested inputs become plain values, absent ones vanish."""
    return {key: value for key, value in dataclasses.asdict(input).items() if value is not None}


def _channel_problems(record: dict[str, Any], channel: str | None) -> list[Refusal]:
    """Under an x-site-context channel, the invoice is of that channel (given or not)."""
    if channel is None:
        return []
    given = record.setdefault("channelId", channel)
    if given == channel:
        return []
    reason = f"channelId {shown(given)} is outside channel {shown(channel)} of the x-site-context"
    return [Refusal(INVALID_INPUT, reason, "channelId")]


async def resolve_invoice_create(
    info: Info,
    input: Annotated[InvoiceCreateInput, strawberry.argument(description="The new invoice.")],
) -> InvoiceCreatePayload:
    record = _record(input)
    problems = _channel_problems(record, info.context.invoices.scope.channel)
    try:
        try:
            invoice = fabric_invoice(
                record, info.context.invoices.scope.account, source_system=SOURCE_SYSTEM
            )
        except ValidationError as error:
            raise ChangeRefused(problems + _all_problems(record, error)) from None
        if problems:  # every reason at once: the rest of the invoice is checked too
            raise ChangeRefused(problems + creation_problems(invoice))
        created = await info.context.writer.create(invoice)
    except ChangeRefused as refused:
        return InvoiceCreatePayload(invoice=None, errors=invoice_errors(refused))
    return InvoiceCreatePayload(invoice=as_invoice(created), errors=[])
