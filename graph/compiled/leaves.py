"""Stored leaf values to response values, as validation then serialization would make them.

The executor's path validates a stored document with its model (store/domain/documents.py), then
GraphQL serializes each leaf. A converter does both for one value: the canonical form our
writers store takes a fast path; any other form goes through the model's own validator
and the schema's own serializer; a value either would refuse raises `Fallback`, and the
executor answers the request instead.
"""

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from annotated_types import Ge, MinLen
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNamedType,
    GraphQLScalarType,
    GraphQLString,
)
from pydantic import PlainSerializer, TypeAdapter

from store.domain.documents import Attributes
from store.domain.instants import Instant, is_canonical_instant
from store.domain.money import ExactDecimal, Money, is_canonical_exact, is_canonical_money

Convert = Callable[[Any], Any]
"""A stored value (never None) -> its response value; raises Fallback."""

INT32 = range(-(2**31), 2**31)
"""GraphQL's Int: 32-bit signed."""


@dataclass(frozen=True)
class Leaf:
    """A converter, and the values that are their own answer, as an expression.

    `own` reads the value as `v`: an object plan inlines it, so the common value costs a
    test instead of a call (graph/compiled/objects.py).
    `answers`: stored texts already converted, to their answers (an object plan looks a text
    up there first); only `convert` adds to it, and only texts it proved canonical.
    """

    convert: Convert
    own: str | None = None
    answers: dict[str, Any] | None = None

    def __call__(self, value: Any) -> Any:
        return self.convert(value)


class Fallback(Exception):
    """This answer cannot be built exactly here: the executor must run the operation."""


class CannotCompile(Exception):
    """The operation selects something plans do not build: the executor runs it, always."""


def _refuse() -> Any:
    raise Fallback


@functools.cache  # one converter per kind, shared by every plan
def string(min_length: int = 0) -> Leaf:
    def convert(value: Any) -> str:
        if type(value) is str and len(value) >= min_length:
            return value
        return _refuse()

    own = "type(v) is str" + (f" and len(v) >= {min_length}" if min_length else "")
    return Leaf(convert, own)


@functools.cache  # one converter per kind, shared by every plan
def integer(minimum: int | None) -> Leaf:
    lowest = INT32.start if minimum is None else max(minimum, INT32.start)

    def convert(value: Any) -> int:
        if type(value) is int and lowest <= value < INT32.stop:
            return value
        return _refuse()

    return Leaf(convert, f"type(v) is int and {lowest} <= v < {INT32.stop}")


def _floating(value: Any) -> float:
    if type(value) is float and math.isfinite(value):
        return value
    return _refuse()


floating = Leaf(_floating)


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    return _refuse()


boolean = Leaf(_boolean, "type(v) is bool")


@functools.cache
def validator(kind: Any) -> Callable[[Any], Any]:
    """The model's own validation of one annotated type (one adapter per type, shared)."""
    return TypeAdapter(kind).validate_python


REMEMBERED = 16_384
"""Canonical texts a converter remembers (graph/compiled/objects.py looks them up before
calling it): amounts and instants repeat across a page and across requests, and a lookup
of a string, whose hash it keeps, costs a fraction of the format check. When full, the
memory starts again."""


def remember_text(answers: dict[str, Any], text: str, answer: Any) -> Any:
    """Keep `answer` for `text`, at most REMEMBERED of them (then the memory starts again)."""
    if len(answers) >= REMEMBERED:
        answers.clear()
    answers[text] = answer
    return answer


@functools.cache  # one converter per kind, shared by every plan
def decimal(kind: Any, is_canonical: Callable[[str], object], scalar: GraphQLScalarType) -> Leaf:
    """Money or an exact decimal: its stored text, when that is what serializing prints."""
    validate = validator(kind)
    answers: dict[str, Any] = {}

    def convert(value: Any) -> Any:
        if type(value) is str and is_canonical(value):
            return remember_text(answers, value, value)
        try:
            return scalar.serialize(validate(value))
        except ValueError:
            return _refuse()

    return Leaf(convert, answers=answers)


@functools.cache  # one converter per kind, shared by every plan
def instant(scalar: GraphQLScalarType) -> Leaf:
    """The stored canonical text as the DateTime scalar prints it (trailing zeros cut)."""
    validate = validator(Instant)
    answers: dict[str, Any] = {}

    def convert(value: Any) -> Any:
        if type(value) is str and is_canonical_instant(value):
            return remember_text(answers, value, _display(value))
        try:
            return scalar.serialize(validate(value))
        except ValueError:
            return _refuse()

    return Leaf(convert, answers=answers)


def _display(canonical: str) -> str:
    """display_instant for canonical text (30 characters), by its zero groups' suffixes."""
    if not canonical.endswith("000Z"):
        return canonical
    if canonical.endswith("000000000Z"):
        return canonical[:19] + "Z"
    if canonical.endswith("000000Z"):
        return canonical[:23] + "Z"
    return canonical[:26] + "Z"


@functools.cache  # one converter per kind, shared by every plan
def enumeration(kind: type[Enum], graphql_type: GraphQLEnumType) -> Leaf:
    """A stored enum value -> the name the schema serializes its member as."""
    names = {member.value: graphql_type.serialize(member) for member in kind}

    def convert(value: Any) -> Any:
        if type(value) is str and value in names:
            return names[value]
        return _refuse()

    return Leaf(convert, answers=names)  # every member's: convert never adds to it


def _json_value(value: Any) -> Any:
    """Free-form JSON as stored, copied: a shared read must not leak into the answer."""
    if type(value) is not dict or not all(type(key) is str for key in value):
        return _refuse()
    return _copy(value)


json_value = Leaf(_json_value)


JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def _copy(value: Any) -> Any:
    """A copy of JSON; anything else (a datetime, an ObjectId) is the executor's to answer."""
    if type(value) is dict:
        return {k: v if type(v) in JSON_LEAVES else _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [v if type(v) in JSON_LEAVES else _copy(v) for v in value]
    if type(value) in JSON_LEAVES:
        return value
    return _refuse()


def leaf(annotation: Any, metadata: list[Any], graphql_type: GraphQLNamedType) -> Leaf:
    """The converter of a model leaf field served as `graphql_type`; CannotCompile if unknown."""
    constraints = [item for item in metadata if not isinstance(item, PlainSerializer)]
    full = Annotated[annotation, *metadata] if metadata else annotation
    scalar = graphql_type if isinstance(graphql_type, GraphQLScalarType) else None
    if scalar is not None and scalar.name == "Decimal":
        if full == Money:
            return decimal(Money, is_canonical_money, scalar)
        if full == ExactDecimal:
            return decimal(ExactDecimal, is_canonical_exact, scalar)
    if scalar is not None and scalar.name == "DateTime" and full == Instant:
        return instant(scalar)
    if scalar is not None and scalar.name == "JSON" and full == Attributes:
        return json_value
    is_enum = isinstance(annotation, type) and issubclass(annotation, Enum)
    if is_enum and isinstance(graphql_type, GraphQLEnumType) and not constraints:
        return enumeration(annotation, graphql_type)
    lengths = [item.min_length for item in constraints if isinstance(item, MinLen)]
    is_string = annotation is str and graphql_type in (GraphQLString, GraphQLID)
    if is_string and len(lengths) == len(constraints):
        return string(max(lengths, default=0))
    minima = [item.ge for item in constraints if isinstance(item, Ge) and type(item.ge) is int]
    if annotation is int and graphql_type is GraphQLInt and len(minima) == len(constraints):
        return integer(max(minima, default=None))
    if annotation is float and graphql_type is GraphQLFloat and not constraints:
        return floating
    if annotation is bool and graphql_type is GraphQLBoolean and not constraints:
        return boolean
    raise CannotCompile(f"no converter for {annotation!r} {metadata!r} as {graphql_type}")
