"""InvoiceSort: the order of a listing, as fields and directions."""

from enum import Enum

import strawberry

from graph.errors import BadUserInput
from store.invoice_sorting import SortField, invoice_sort_keys
from store.keyset import SortKey


@strawberry.enum(description="An invoice field a listing can be sorted by.")
class InvoiceSortField(Enum):
    INVOICE_DATE = strawberry.enum_value(
        SortField.INVOICE_DATE, description="invoiceDate: when the order was invoiced."
    )
    CREATED_AT = strawberry.enum_value(
        SortField.CREATED_AT, description="createdAt: when the invoice was created."
    )
    INVOICE_TOTAL = strawberry.enum_value(
        SortField.INVOICE_TOTAL, description="invoiceTotal, compared exactly."
    )
    INVOICE_NUMBER = strawberry.enum_value(
        SortField.INVOICE_NUMBER, description="invoiceNumber, as text (unique per account)."
    )
    UPDATED_AT = strawberry.enum_value(
        SortField.UPDATED_AT,
        description=(
            "updatedAt: when the invoice last changed; an invoice never updated sorts by its "
            "createdAt."
        ),
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
    field: InvoiceSortField = strawberry.field(description="The field to sort by.")
    direction: SortDirection | None = strawberry.field(
        default=SortDirection.ASC, description="ASC (the default) or DESC."
    )


def sort_keys(sort: list[InvoiceSort] | None, argument: str = "sort") -> tuple[SortKey, ...]:
    """The store's sort keys; no sort (or an empty one) is newest invoiceDate first."""
    order = [
        (SortField[item.field.name], item.direction is SortDirection.DESC) for item in sort or []
    ]
    try:
        return invoice_sort_keys(order)
    except ValueError as error:
        raise BadUserInput(argument, str(error)) from None
