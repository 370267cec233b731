"""InvoiceSort: the order of a listing, as fields and directions."""

from enum import Enum

import strawberry

from graph.errors import BadUserInput
from graph.types.described_enum import described_enum
from store.invoice_sorting import SORTABLE, SortField, invoice_sort_keys
from store.keyset import SortKey

described_enum(
    SortField,
    name="InvoiceSortField",
    description="An invoice field a listing can be sorted by.",
    values={field: sortable.description for field, sortable in SORTABLE.items()},
)


@strawberry.enum(description="Which way a sort key runs.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest, earliest or first in text first.")
    DESC = strawberry.enum_value("DESC", description="Largest, latest or last in text first.")


@strawberry.input(
    description=(
        "One key of a listing's order. Keys apply in the order given; ties left after the "
        "last one are broken by invoiceId, so the order is total and cursors never skip or "
        "repeat an invoice."
    )
)
class InvoiceSort:
    field: SortField = strawberry.field(description="The field to sort by.")
    direction: SortDirection | None = strawberry.field(
        default=SortDirection.ASC, description="ASC (the default) or DESC."
    )


def sort_keys(sort: list[InvoiceSort] | None, argument: str = "sort") -> tuple[SortKey, ...]:
    """The store's sort keys; no sort (or an empty one) is newest invoiceDate first."""
    order = [(item.field, item.direction is SortDirection.DESC) for item in sort or []]
    try:
        return invoice_sort_keys(order)
    except ValueError as error:
        raise BadUserInput(argument, str(error)) from None
