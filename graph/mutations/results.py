"""What the mutations share: the arguments every change takes, and their errors."""

from enum import Enum
from typing import Annotated

import strawberry

from store.domain.refusals import (
    DUPLICATE,
    INVALID_INPUT,
    INVALID_TRANSITION,
    NOT_FOUND,
    VERSION_CONFLICT,
    ChangeRefused,
)

INVOICE_ID_ARGUMENT = strawberry.argument(description="The invoiceId of the invoice to change.")
EXPECTED_VERSION_ARGUMENT = strawberry.argument(
    description=(
        "Change the invoice only while it is at this version (optimistic locking); "
        "otherwise VERSION_CONFLICT, with the current version. Omitted: the change is "
        "checked against the invoice as it is when it is written."
    )
)

InvoiceIdArgument = Annotated[strawberry.ID, INVOICE_ID_ARGUMENT]
ExpectedVersionArgument = Annotated[int | None, EXPECTED_VERSION_ARGUMENT]


@strawberry.interface(
    description="A reason a mutation made no change. Each error type adds its code."
)
class MutationError:
    message: str = strawberry.field(description="What went wrong, naming the values involved.")
    field: str | None = strawberry.field(
        description="The argument or input field at fault (e.g. orders[0].invoiceOrderTotal)."
    )
    currentVersion: int | None = strawberry.field(
        description=(
            "The invoice's current version when the refusal was decided against it "
            "(VERSION_CONFLICT, INVALID_TRANSITION, and inputs checked against the stored "
            "invoice); null otherwise (e.g. NOT_FOUND)."
        )
    )


@strawberry.enum(
    description=(
        "Why an invoice mutation (invoiceCreate, invoiceStatusUpdate, invoicePost, "
        "invoiceAcknowledge, invoiceAttributesUpdate) made no change."
    )
)
class InvoiceErrorCode(Enum):
    NOT_FOUND = strawberry.enum_value(
        NOT_FOUND, description="The account has no invoice with this invoiceId."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        INVALID_TRANSITION,
        description=(
            "The lifecycle does not allow the change from the invoice's current state "
            "(docs/lifecycle.md): invoicePost needs a CREATED invoice, invoiceAcknowledge a "
            "POSTED one (neither DRAFT), and a DELETED invoice no longer changes."
        ),
    )
    VERSION_CONFLICT = strawberry.enum_value(
        VERSION_CONFLICT,
        description="The invoice is not at expectedVersion: read it again, then retry.",
    )
    INVALID_INPUT = strawberry.enum_value(
        INVALID_INPUT,
        description=(
            "An argument or input value is invalid (e.g. acknowledgedAt before postedAt or "
            "in the future, an attribute key both set and removed, totals that do not "
            "reconcile); `field` names it."
        ),
    )
    DUPLICATE = strawberry.enum_value(
        DUPLICATE,
        description=(
            "invoiceCreate: the account already has an invoice with this invoiceNumber or "
            "invoiceId."
        ),
    )


@strawberry.type(description="A reason an invoice mutation made no change.")
class InvoiceError(MutationError):
    code: InvoiceErrorCode = strawberry.field(description="The kind of problem.")


def invoice_errors(refused: ChangeRefused) -> list[InvoiceError]:
    """The refusal's reasons, one error each."""
    return [
        InvoiceError(
            code=InvoiceErrorCode(refusal.code),
            message=refusal.message,
            field=refusal.field,
            currentVersion=refusal.current_version,
        )
        for refusal in refused.refusals
    ]
