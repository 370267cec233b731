"""Leaf converters of compiled plans agree with validation plus serialization, value by value.

The executor's path validates a stored value with the document model, then the schema
serializes it. A converter must give the same text for every value the model accepts and
refuse (Fallback) every value it does not: its fast paths for canonical text included.
"""

from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLScalarType
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from graph.compiled.leaves import Fallback, Leaf, leaf
from graph.core_schema import core_schema
from graph.schema import build_schema
from store.domain.instants import Instant
from store.domain.money import ExactDecimal, Money

GRAPHQL_SCHEMA = core_schema(build_schema())

DECIMAL_SCALAR = GRAPHQL_SCHEMA.get_type("Decimal")
DATETIME_SCALAR = GRAPHQL_SCHEMA.get_type("DateTime")
assert isinstance(DECIMAL_SCALAR, GraphQLScalarType)
assert isinstance(DATETIME_SCALAR, GraphQLScalarType)


def expected(kind: Any, scalar: GraphQLScalarType, value: Any) -> Any:
    """What the executor's path makes of a stored value, or Fallback when it refuses it."""
    try:
        return scalar.serialize(TypeAdapter(kind).validate_python(value))
    except ValueError:
        return Fallback


def converted(convert: Leaf, value: Any) -> Any:
    """The converter's answer; then the answer a plan would look up, if it remembered one."""
    try:
        answer = convert(value)
    except Fallback:
        answer = Fallback
    if convert.answers is not None and type(value) is str and value in convert.answers:
        assert convert.answers[value] == answer, value
    return answer


def converter(kind: Any, scalar: GraphQLScalarType) -> Leaf:
    # A required field's annotation and metadata, as pydantic splits them.
    return leaf(kind.__origin__, list(kind.__metadata__), scalar)


amounts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.integers(-(10**20), 10**20).map(str),
    st.builds(
        lambda whole, fraction, sign: f"{sign}{whole}.{fraction}",
        st.integers(0, 10**14),
        st.text("0123456789", min_size=1, max_size=9),
        st.sampled_from(["", "-", "+"]),
    ),
    st.sampled_from(["007", "0.000000", "-0", "-0.00", "1E+3", "1e-7", " 1.50", "", "x", "1_0"]),
    st.decimals(allow_nan=False, places=2, min_value=-(10**13), max_value=10**13),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
)

instants = st.one_of(
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")),
    st.builds(
        lambda year, month, day, fraction: f"{year:04d}-{month:02d}-{day:02d}T23:59:59.{fraction}Z",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.sampled_from(["000000000", "123000000", "123456000", "123456789", "1", ""]),
    ),
    st.sampled_from(
        [
            "2024-02-29T00:00:00.000000000Z",
            "2023-02-29T00:00:00.000000000Z",
            "2022-08-01T20:03:28.483971941Z",
            "2022-08-01T20:03:28Z",
            "2022-08-01T20:03:28.4+02:00",
            "2022-08-01",
            "0000-01-01T00:00:00.000000000Z",
        ]
    ),
    st.integers(),
    st.none(),
)


@pytest.mark.parametrize("kind", [Money, ExactDecimal])
@settings(max_examples=3_000, deadline=None)
@given(value=amounts)
def test_amounts_convert_as_the_model_and_the_scalar_do(kind: Any, value: Any) -> None:
    if value is None:
        return  # nulls never reach a converter: the object plan handles them
    assert converted(converter(kind, DECIMAL_SCALAR), value) == expected(
        kind, DECIMAL_SCALAR, value
    )


@settings(max_examples=3_000, deadline=None)
@given(value=instants)
def test_instants_convert_as_the_model_and_the_scalar_do(value: Any) -> None:
    if value is None:
        return
    assert converted(converter(Instant, DATETIME_SCALAR), value) == expected(
        Instant, DATETIME_SCALAR, value
    )


def test_canonical_money_is_its_own_answer() -> None:
    convert = converter(Money, DECIMAL_SCALAR)
    for text in ("0", "-0.00", "12.50", "999999999999.999999"):
        assert convert(text) is text
    assert convert(Decimal("1E+3")) == "1000"
