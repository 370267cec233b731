"""Root-field arguments as their resolver would receive them, each field's steps chosen once.

Strawberry's `convert_arguments` works out every argument's GraphQL name and walks its type
on every request. Those depend only on the field, so `ArgumentConversions` works them out
on the field's first request. A leaf argument (a scalar other than GlobalID, or an enum,
optional or not) is its own Python value, so it passes through as graphql-core coerced it;
any other argument (input objects, lists, GlobalID, Maybe) goes through Strawberry's
`convert_argument` as before. The result is the same dictionary either way
(tests/graph/test_compiled_arguments.py).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField
from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema import Schema
from strawberry.types.arguments import convert_argument
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

from graph.compiled.objects import strawberry_definition


@dataclass(frozen=True)
class ArgumentStep:
    """One argument: its names, and how its value converts (None: it is its own value)."""

    graphql_name: str
    python_name: str
    convert: Callable[[Any], Any] | None


class ArgumentConversions:
    """Each root field's argument steps, by field; `__call__` converts one request's values."""

    def __init__(self) -> None:
        self._steps: dict[int, tuple[GraphQLField, tuple[ArgumentStep, ...]]] = {}
        """By the field's id; the field is kept with its steps so that its id stays its own."""

    def __call__(
        self, schema: Schema, values: dict[str, Any], definition: GraphQLField
    ) -> dict[str, Any]:
        known = self._steps.get(id(definition))
        if known is None:
            known = self._steps[id(definition)] = (definition, _steps(schema, definition))
        converted = {}
        for step in known[1]:
            if step.graphql_name in values:
                value = values[step.graphql_name]
                converted[step.python_name] = value if step.convert is None else step.convert(value)
        return converted


def _steps(schema: Schema, definition: GraphQLField) -> tuple[ArgumentStep, ...]:
    registry = schema.schema_converter.scalar_registry
    steps = []
    for argument in strawberry_definition(definition).arguments:
        name = schema.config.name_converter.from_argument(argument)
        convert = None
        if not _is_own_value(argument.type, registry):
            convert = functools.partial(
                convert_argument,
                type_=argument.type,
                scalar_registry=registry,
                config=schema.config,
                path=(name,),
            )
        steps.append(ArgumentStep(name, argument.python_name, convert))
    return tuple(steps)


def _is_own_value(type_: StrawberryType | type, registry: Any) -> bool:
    """Whether `convert_argument` returns a value of this type unchanged: a leaf, optional
    or not. Maybe wraps its value; lists are copied; GlobalID and input objects are built."""
    if isinstance(type_, StrawberryMaybe):
        return False
    if isinstance(type_, StrawberryOptional):
        return _is_own_value(type_.of_type, registry)
    if type_ is GlobalID or has_object_definition(type_):
        return False
    return (
        is_scalar(type_, registry)
        or isinstance(type_, StrawberryEnumDefinition)
        or has_enum_definition(type_)
    )
