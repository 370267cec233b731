"""InvoiceFilter: fabric's search conditions as typed operator objects, one per field.

Every operator given must hold (AND), across fields too. Inputs become store-neutral
`store.invoice_filters.Condition`s here; only the store turns them into a query.
"""

from collections.abc import Iterator
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types.unset import UnsetType

from graph.errors import BadUserInput
from graph.types.enums import InvoiceStatus, InvoiceType, StatusCode
from graph.types.scalars import DateTime, Decimal
from store.invoice_filters import (
    FILTERABLE,
    Condition,
    FilterField,
    FilterKind,
    Operator,
    check_condition,
)

UNSET: Any = strawberry.UNSET
T = TypeVar("T")

_EQ = "Equal to this value."
_NE = "Not equal to this value (also true when the invoice has no value)."
_IN = "Equal to one of these values (at most 100)."
_NIN = "Equal to none of these values (at most 100; also true when the invoice has no value)."
_LT, _LTE = "Before or less than this value.", "At most this value."
_GT, _GTE = "After or greater than this value.", "At least this value."
_STARTS_WITH = (
    "Begins with this text (case-sensitive, non-empty): a range of the field's index, as fast "
    "as eq."
)


class _Operators:
    """The operators of one field's filter, read as conditions on that field."""

    def conditions(self, field: FilterField, argument: str) -> Iterator[Condition]:
        for operator in Operator:
            value = getattr(self, _attribute(operator), UNSET)
            if isinstance(value, UnsetType):
                continue
            name = f"{argument}.{operator.value}"
            if value is None:
                raise BadUserInput(name, "null is not a value; leave the operator out instead")
            condition = Condition(field, operator, value)
            try:
                check_condition(condition)
            except ValueError as error:
                raise BadUserInput(name, str(error)) from None
            yield condition


def _attribute(operator: Operator) -> str:
    """`in` is a Python keyword: that operator lives in `in_`."""
    return "in_" if operator is Operator.IN else operator.value


@strawberry.input(description="Conditions on an invoice's invoiceStatus.")
class InvoiceStatusFilter(_Operators):
    eq: InvoiceStatus | None = strawberry.field(default=UNSET, description=_EQ)
    ne: InvoiceStatus | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[InvoiceStatus] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[InvoiceStatus] | None = strawberry.field(default=UNSET, description=_NIN)


@strawberry.input(description="Conditions on an invoice's invoiceType.")
class InvoiceTypeFilter(_Operators):
    eq: InvoiceType | None = strawberry.field(default=UNSET, description=_EQ)
    ne: InvoiceType | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[InvoiceType] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[InvoiceType] | None = strawberry.field(default=UNSET, description=_NIN)


@strawberry.input(description="Conditions on an invoice's statusCode.")
class StatusCodeFilter(_Operators):
    eq: StatusCode | None = strawberry.field(default=UNSET, description=_EQ)
    ne: StatusCode | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[StatusCode] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[StatusCode] | None = strawberry.field(default=UNSET, description=_NIN)


@strawberry.input(
    description=(
        "Conditions on a text field, compared exactly (case-sensitive). On a field inside "
        "orders or items, eq and in hold when any of them matches, ne and nin when none does."
    )
)
class StringFilter(_Operators):
    eq: str | None = strawberry.field(default=UNSET, description=_EQ)
    ne: str | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[str] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[str] | None = strawberry.field(default=UNSET, description=_NIN)


@strawberry.input(
    description=(
        "Conditions on a number or code (invoiceNumber, orderNumber, sku): exact, or by its "
        "beginning. On a field inside orders or items, eq, in and startsWith hold when any "
        "of them matches, ne and nin when none does."
    )
)
class IdentifierFilter(StringFilter):
    startsWith: str | None = strawberry.field(default=UNSET, description=_STARTS_WITH)


@strawberry.input(
    description=(
        "Conditions on an email address, compared without regard to case "
        "(MEHMET@example.com finds mehmet@example.com)."
    )
)
class EmailFilter(_Operators):
    eq: str | None = strawberry.field(default=UNSET, description=_EQ)
    ne: str | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[str] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[str] | None = strawberry.field(default=UNSET, description=_NIN)


@strawberry.input(description="Conditions on a point in time, compared to the nanosecond.")
class DateTimeFilter(_Operators):
    eq: DateTime | None = strawberry.field(default=UNSET, description=_EQ)
    ne: DateTime | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[DateTime] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[DateTime] | None = strawberry.field(default=UNSET, description=_NIN)
    lt: DateTime | None = strawberry.field(default=UNSET, description=_LT)
    lte: DateTime | None = strawberry.field(default=UNSET, description=_LTE)
    gt: DateTime | None = strawberry.field(default=UNSET, description=_GT)
    gte: DateTime | None = strawberry.field(default=UNSET, description=_GTE)


@strawberry.input(
    description="Conditions on an amount, compared exactly (at most 6 decimal places)."
)
class DecimalFilter(_Operators):
    eq: Decimal | None = strawberry.field(default=UNSET, description=_EQ)
    ne: Decimal | None = strawberry.field(default=UNSET, description=_NE)
    in_: list[Decimal] | None = strawberry.field(default=UNSET, name="in", description=_IN)
    nin: list[Decimal] | None = strawberry.field(default=UNSET, description=_NIN)
    lt: Decimal | None = strawberry.field(default=UNSET, description=_LT)
    lte: Decimal | None = strawberry.field(default=UNSET, description=_LTE)
    gt: Decimal | None = strawberry.field(default=UNSET, description=_GT)
    gte: Decimal | None = strawberry.field(default=UNSET, description=_GTE)


_OPERATORS: dict[FilterKind | type[Enum], type[_Operators]] = {
    InvoiceStatus: InvoiceStatusFilter,
    InvoiceType: InvoiceTypeFilter,
    StatusCode: StatusCodeFilter,
    FilterKind.TEXT: StringFilter,
    FilterKind.IDENTIFIER: IdentifierFilter,
    FilterKind.EMAIL: EmailFilter,
    FilterKind.INSTANT: DateTimeFilter,
    FilterKind.MONEY: DecimalFilter,
}
"""The operator object of each kind of filter field (of each enumeration, for choices)."""


def _store_filter_fields(cls: type[T]) -> type[T]:
    """A field for each of the store's filter fields (store.invoice_filters.FILTERABLE), in
    its order, taking the operators of its kind."""
    cls.__annotations__ = {}
    for field, filterable in FILTERABLE.items():
        operators = _OPERATORS[filterable.choices or filterable.kind]
        cls.__annotations__[field.value] = operators | None
        described = strawberry.field(default=UNSET, description=filterable.description)
        setattr(cls, field.value, described)
    return cls


@strawberry.input(
    description=(
        "Which invoices to return: every condition given must hold (AND). Fields are named "
        "after the invoice fields they filter; orderNumber, orderId, shipmentNumber, "
        "customerEmail and sku reach into the nested document."
    )
)
@_store_filter_fields
class InvoiceFilter:
    pass


def filter_conditions(filter: InvoiceFilter | None, argument: str = "filter") -> list[Condition]:
    """The store conditions of a filter; BAD_USER_INPUT naming the operator when one is bad.

    A null filter, or a null field filter, sets no condition.
    """
    if filter is None or isinstance(filter, UnsetType):
        return []
    conditions: list[Condition] = []
    for field in FilterField:
        operators: _Operators | None = getattr(filter, field.value)
        if operators is None or isinstance(operators, UnsetType):
            continue
        conditions.extend(operators.conditions(field, f"{argument}.{field.value}"))
    return conditions
