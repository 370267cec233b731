"""Exact money: `Decimal` in Python, its exact decimal text in MongoDB.

See docs/money-and-time.md for why amounts are stored as text with integer companions.
"""

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from store.domain.message_values import shown

MAX_FRACTION_DIGITS = 6
# Amounts that are filtered, sorted or summed also get an integer companion in
# millionths ("units"); integers compare and add exactly on every backend.
UNITS_PER_ONE = 10**MAX_FRACTION_DIGITS
# Any number the API accepts must fit in memory when printed in full ("1e999999999"
# would not): at most 18 digits before the point and 30 after it.
MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_PLACES = 30
# Companions are stored as 64-bit integers (MongoDB's long).
UNITS_LIMIT = 2**63


def parse_decimal(value: object) -> Decimal:
    """Read a decimal from text, an int, a Decimal or a float (via its shortest repr)."""
    return _parse(value)[0]


def parse_money(value: object) -> Decimal:
    """A money amount: a decimal (as parse_decimal reads it) with at most 6 decimal places."""
    if type(value) is Decimal:
        # The common case, a mapper's Decimal: plain text ("-123.45", no exponent) with at
        # most 12 digits before the point and 6 after it is inside every bound checked below.
        text = str(value)
        point = text.find(".")
        if 0 < point <= 12 and len(text) - point <= 7 and "E" not in text:
            return value
    amount, exponent = _parse(value)
    if -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(f"{shown(value)} has more than {MAX_FRACTION_DIGITS} decimal places")
    # Below 10**12 the companion stays under 10**18 < 2**63: only larger amounts need units.
    if amount.adjusted() >= 12 and abs(to_units(amount)) >= UNITS_LIMIT:
        raise ValueError(
            f"{shown(value)} is out of range: amounts must stay below {from_units(UNITS_LIMIT)}"
        )
    return amount


def _parse(value: object) -> tuple[Decimal, int]:
    """The decimal and its exponent, refused when not finite or out of range."""
    if type(value) is Decimal:  # the common cases: already parsed by a mapper, or text
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{shown(value)} is not a decimal number") from None
    elif isinstance(value, bool):
        raise ValueError("expected a decimal number, got a boolean")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{shown(value)} is not a finite decimal number")
    exponent = _exponent(number)
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(
            f"{shown(value)} is out of range: at most {MAX_INTEGER_DIGITS} digits before the point"
        )
    if -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(
            f"{shown(value)} is out of range: at most {MAX_DECIMAL_PLACES} decimal places"
        )
    return number, exponent


def _exponent(number: Decimal) -> int:
    """A finite decimal's exponent, read off its text ("1.50E+7" -> 5): as_tuple() is slower."""
    mantissa, _, power = str(number).partition("E")
    return (int(power) if power else 0) - len(mantissa.partition(".")[2])


def decimal_text(amount: Decimal) -> str:
    """The exact digits, never in exponent notation: Decimal('399.00') -> '399.00'."""
    return format(amount, "f")


_CANONICAL_MONEY = re.compile(r"-?(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,6})?")
_CANONICAL_EXACT = re.compile(r"-?(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,30})?")

is_canonical_money: Callable[[str], object] = _CANONICAL_MONEY.fullmatch
"""Truthy for text as `decimal_text` stores Money: no exponent, no leading zeros, at most 6
decimal places. Up to 12 integer digits an amount is inside every bound `parse_money`
checks, so such text validates and serializes to itself (graph/compiled/leaves.py)."""

is_canonical_exact: Callable[[str], object] = _CANONICAL_EXACT.fullmatch
"""Truthy for text as `decimal_text` stores an ExactDecimal that is its own answer, as
`is_canonical_money` with up to 30 decimal places."""


def to_units(amount: Decimal) -> int:
    """The integer companion of an amount (exact: amounts have at most 6 decimal places)."""
    return int(amount.scaleb(MAX_FRACTION_DIGITS))


def from_units(units: int) -> Decimal:
    """Back from units, keeping at least two decimal places ('12.50', '0.125')."""
    amount = Decimal(units).scaleb(-MAX_FRACTION_DIGITS).normalize()
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return amount


Money = Annotated[
    Decimal, PlainValidator(parse_money), PlainSerializer(decimal_text, return_type=str)
]
"""A money amount: at most 6 decimal places, stored as its exact text."""

ExactDecimal = Annotated[
    Decimal, PlainValidator(parse_decimal), PlainSerializer(decimal_text, return_type=str)
]
"""A non-money exact number (an exchange rate), stored as its exact text."""
