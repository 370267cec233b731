"""Custom scalars: exact `Decimal`, nanosecond `DateTime`, free-form `JSON`.

Types annotate with the Python types (`Decimal`, `DateTime`, `JSON`); the schema maps
them to these definitions through `SCALAR_MAP`.
"""

from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from store.domain.instants import display_instant, parse_instant
from store.domain.money import decimal_text, parse_decimal

DateTime = NewType("DateTime", str)
"""A stored instant: canonical UTC text with nanoseconds (store.domain.instants)."""


def _parse_decimal_input(value: object) -> Decimal:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError('Decimal values are sent as strings, e.g. "29.56"')
    return parse_decimal(value)


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Decimal: strawberry.scalar(
        name="Decimal",
        description=(
            "An exact decimal number (money), serialized as a JSON string holding its "
            'exact digits, e.g. "29.56". Inputs accept such a string or an integer.'
        ),
        serialize=decimal_text,
        parse_value=_parse_decimal_input,
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        description=(
            "A point in time as an RFC 3339 timestamp in UTC with up to nanosecond "
            'precision, e.g. "2022-08-01T20:03:28.483971941Z". Inputs need a timezone.'
        ),
        serialize=display_instant,
        parse_value=parse_instant,
    ),
}

__all__ = ["JSON", "SCALAR_MAP", "DateTime", "Decimal"]
