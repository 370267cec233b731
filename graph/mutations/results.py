"""What the mutations share: the error interface and the arguments every change takes."""

from collections.abc import Callable
from enum import Enum
from typing import Annotated, TypeVar

import strawberry

from store.domain.refusals import ChangeRefused

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
    description="A reason a mutation made no change. Each mutation's error type adds its code."
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


E = TypeVar("E")


def errors_of(refused: ChangeRefused, error_type: Callable[..., E], codes: type[Enum]) -> list[E]:
    """The refusal's reasons as the mutation's own error type and code enum."""
    return [
        error_type(
            code=codes(refusal.code),
            message=refusal.message,
            field=refusal.field,
            currentVersion=refusal.current_version,
        )
        for refusal in refused.refusals
    ]
