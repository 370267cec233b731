"""Money parsing: the fast checks accept and refuse exactly what the original checks did."""

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from store.domain.message_values import shown
from store.domain.money import (
    MAX_DECIMAL_PLACES,
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    UNITS_LIMIT,
    decimal_text,
    from_units,
    is_canonical_exact,
    is_canonical_money,
    parse_decimal,
    parse_money,
    to_units,
)


def reference_parse_money(value: object) -> Decimal:
    """parse_money before its fast path (commit 64cde92): the oracle, kept verbatim."""
    amount, exponent = _reference_parse(value)
    if -exponent > MAX_FRACTION_DIGITS:
        raise ValueError(f"{shown(value)} has more than {MAX_FRACTION_DIGITS} decimal places")
    if amount.adjusted() >= 12 and abs(to_units(amount)) >= UNITS_LIMIT:
        raise ValueError(
            f"{shown(value)} is out of range: amounts must stay below {from_units(UNITS_LIMIT)}"
        )
    return amount


def reference_parse_decimal(value: object) -> Decimal:
    return _reference_parse(value)[0]


def _reference_parse(value: object) -> tuple[Decimal, int]:
    if type(value) is Decimal:
        number = value
    elif isinstance(value, bool):
        raise ValueError("expected a decimal number, got a boolean")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{shown(value)} is not a decimal number") from None
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{shown(value)} is not a finite decimal number")
    exponent: int = number.as_tuple().exponent  # type: ignore[assignment]
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(
            f"{shown(value)} is out of range: at most {MAX_INTEGER_DIGITS} digits before the point"
        )
    if -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(
            f"{shown(value)} is out of range: at most {MAX_DECIMAL_PLACES} decimal places"
        )
    return number, exponent


class Amount(Decimal):
    """A Decimal subclass: it takes the general path, never the fast one."""


def outcome(parse: Any, value: object) -> tuple[object, ...]:
    """What a parser answers, comparable across implementations: the exact decimal or the error."""
    try:
        result = parse(value)
    except ValueError as error:
        return ("refused", str(error))
    # str() keeps the sign, digits and exponent: "1.0" and "1.00" stay apart, "-0" from "0".
    return ("accepted", type(result), str(result), result is value)


def assert_agrees(value: object) -> None:
    assert outcome(parse_money, value) == outcome(reference_parse_money, value)
    assert outcome(parse_decimal, value) == outcome(reference_parse_decimal, value)


NUMBER_EDGES = [
    # Around 6 decimal places.
    "0.000001",
    "0.0000001",
    "1.000000",
    "1.0000000",
    "-123.456789",
    "1E-6",
    "1e-7",
    "1.5E-7",
    # Around 12 integer digits (the fast path's bound) and a sign in front of them.
    "999999999999.999999",
    "-999999999999.999999",
    "1000000000000.000000",
    "-1000000000000.0",
    # Around 2**63 units.
    "9223372036854.775807",
    "9223372036854.775808",
    "-9223372036854.775807",
    "-9223372036854.775808",
    "9223372036855",
    # Around 10**18.
    "999999999999999999",
    "999999999999999999.9",
    "1000000000000000000",
    str(10**18 - 1),
    str(-(10**18)),
    "1e17",
    "1E+18",
    "9.99999999999999999E+17",
    # Negative zero and zeros with any exponent.
    "-0",
    "-0.00",
    "-0.000000",
    "-0E-7",
    "0E-30",
    "0E-31",
    "0E+12",
    "0E+20",
    "-0E+999999999",
    # Exponent forms and the decimal-places limit.
    "1E+5",
    "1.50E+7",
    "2.5e-8",
    "1." + "0" * 30,
    "1." + "0" * 31,
    "1e999999999",
    "1e-999999999",
    " 1.50 ",
    # Not finite.
    "NaN",
    "-NaN",
    "sNaN",
    "NaN123",
    "Infinity",
    "-inf",
]
"""Decimal literals at the bounds: each is tried as text and as a Decimal."""

OTHER_EDGES = [
    "",
    "abc",
    "1,5",
    "1e",
    True,
    1.5,
    0.1,
    1e300,
    float("nan"),
    None,
    [],
    Decimal("NaN"),
    Decimal("-Infinity"),
    Amount("1.5"),
    Amount("1.0000000"),
]


@pytest.mark.parametrize(
    "value",
    NUMBER_EDGES
    + [Decimal(text) for text in NUMBER_EDGES]
    + OTHER_EDGES
    + [10**18 - 1, 10**18, -(10**18)],
)
def test_parse_agrees_with_reference_at_edges(value: object) -> None:
    assert_agrees(value)


def test_parse_money_refuses_edges_with_original_messages() -> None:
    assert outcome(parse_money, Decimal("1.0000000")) == (
        "refused",
        "1.0000000 has more than 6 decimal places",
    )
    assert outcome(parse_money, Decimal("9223372036854.775808")) == (
        "refused",
        "9223372036854.775808 is out of range: amounts must stay below 9223372036854.775808",
    )
    assert outcome(parse_money, "1E+18") == (
        "refused",
        '"1E+18" is out of range: at most 18 digits before the point',
    )
    assert outcome(parse_decimal, "1e-31") == (
        "refused",
        '"1e-31" is out of range: at most 30 decimal places',
    )


def test_parse_money_returns_the_same_decimal_when_in_range() -> None:
    amount = Decimal("-999999999999.999999")
    assert parse_money(amount) is amount


# Coefficients and exponents crowd the bounds: 6/7 and 30/31 places, 12/13 and 18/19 digits.
COEFFICIENTS = (
    st.integers(0, 10**40)
    | st.integers(0, 10**20)
    | st.integers(10**17, 10**20)
    | st.integers(0, 10**8)
    | st.sampled_from([0, 1, 9, 10, 10**12, 10**18 - 1, 10**18, UNITS_LIMIT - 1, UNITS_LIMIT])
)
EXPONENTS = st.integers(-40, 25) | st.integers(-8, 0) | st.sampled_from([-999999999, 999999999])
DECIMALS = st.builds(
    lambda sign, coefficient, exponent: Decimal(f"{sign}{coefficient}E{exponent}"),
    st.sampled_from(["", "-"]),
    COEFFICIENTS,
    EXPONENTS,
)
# Amounts within a millionth-wide band of 2**63 units, in either sign, with 0-7 places.
NEAR_UNITS_LIMIT = st.builds(
    lambda sign, units, places: Decimal(sign * units).scaleb(-places),
    st.sampled_from([1, -1]),
    st.integers(UNITS_LIMIT - 10**15, UNITS_LIMIT + 10**15),
    st.integers(0, 7),
)
SPECIAL = st.sampled_from(["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"]).map(Decimal)
TEXTS = st.one_of(
    DECIMALS.map(str),
    DECIMALS.map(lambda number: str(number).lower()),
    # Plain digits, never an exponent (exponents too large to print stay in exponent form).
    DECIMALS.filter(lambda number: abs(number.adjusted()) < 60).map(lambda d: format(d, "f")),
    DECIMALS.map(lambda number: f"  {number}\n"),
    st.text(alphabet="0123456789.-+eE ", max_size=24),
)
VALUES = st.one_of(
    DECIMALS,
    NEAR_UNITS_LIMIT,
    NEAR_UNITS_LIMIT.map(str),
    SPECIAL,
    st.decimals(allow_nan=True, allow_infinity=True),
    DECIMALS.map(Amount),
    TEXTS,
    st.integers() | st.integers(-(10**19), 10**19),
    st.floats(),
    st.booleans(),
    st.none(),
)


@settings(max_examples=2000, deadline=None)
@given(VALUES)
@example(Decimal("9223372036854.775807"))
@example(Decimal("-0.0000000"))
def test_parse_agrees_with_reference_for_generated_values(value: object) -> None:
    assert_agrees(value)


@settings(max_examples=500, deadline=None)
@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, places=6).filter(
        lambda amount: abs(amount) < 10**12
    )
)
def test_stored_money_text_is_canonical(amount: Decimal) -> None:
    """What the writer stores for an amount below 10**12 passes the stored-format check."""
    assert is_canonical_money(decimal_text(parse_money(amount)))


@settings(max_examples=500, deadline=None)
@given(text=st.from_regex(r"-?(0|[1-9][0-9]{0,13})(\.[0-9]{1,8})?", fullmatch=True))
def test_canonical_money_text_is_its_own_value(text: str) -> None:
    """Text the check passes validates and prints back as itself (graph/compiled/leaves.py)."""
    if is_canonical_money(text):
        assert decimal_text(parse_money(text)) == text
    if is_canonical_exact(text):
        assert decimal_text(parse_decimal(text)) == text
