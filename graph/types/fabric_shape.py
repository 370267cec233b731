"""GraphQL types derived from fabric's document model (store/domain/documents.py).

The model is the one declaration of the invoice's shape: each field of a document model
becomes a field of its GraphQL object type and of the matching `<Type>Input`, with the
model's type, nullability and description (the field's docstring). A class may declare a
field itself to serve it differently (an `ID`, a resolver, a required input);
tests/graph/test_fabric_shape.py checks every type against the model.
"""

from collections.abc import Callable, Collection
from decimal import Decimal
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, TypeVar, Union, dataclass_transform, get_args, get_origin

import strawberry
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from strawberry.types.field import StrawberryField

import graph.types.enums  # noqa: F401  # registers the store's enums as GraphQL enums
from graph.types.scalars import JSON, DateTime
from store.domain.documents import Attributes
from store.domain.instants import Instant
from store.domain.money import ExactDecimal, Money

T = TypeVar("T", bound=type)

OBJECT_TYPES: dict[type[BaseModel], type] = {}
"""Each document model's GraphQL object type."""
INPUT_TYPES: dict[type[BaseModel], type] = {}
"""Each document model's GraphQL input type, made when a derived input first needs it."""

_SCALARS: dict[Any, Any] = {Money: Decimal, ExactDecimal: Decimal, Instant: DateTime}


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def fabric_type(
    model: type[BaseModel], *, description: str, exclude: Collection[str] = ()
) -> Callable[[T], T]:
    """`strawberry.type` with a field for each field of `model` but the `exclude`d."""

    def derive(cls: T) -> T:
        _add_fields(cls, model, exclude, is_input=False)
        derived: T = strawberry.type(cls, description=description)
        OBJECT_TYPES[model] = derived
        return derived

    return derive


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def fabric_input(
    model: type[BaseModel], *, description: str, exclude: Collection[str] = ()
) -> Callable[[T], T]:
    """`strawberry.input` with a field for each field of `model` but the `exclude`d."""

    def derive(cls: T) -> T:
        _add_fields(cls, model, exclude, is_input=True)
        derived: T = strawberry.input(cls, description=description)
        return derived

    return derive


def input_type(model: type[BaseModel]) -> type:
    """The input mirroring `model`'s object type: named `<Type>Input`, described alike."""
    if model not in INPUT_TYPES:
        definition = OBJECT_TYPES[model].__strawberry_definition__  # type: ignore[attr-defined]
        cls = type(f"{definition.name}Input", (), {"__module__": __name__})
        _add_fields(cls, model, (), is_input=True)
        INPUT_TYPES[model] = strawberry.input(cls, description=definition.description)
    return INPUT_TYPES[model]


def model_annotation(info: FieldInfo) -> Any:
    """A model field's annotation as written: pydantic keeps a top-level Annotated's
    metadata apart."""
    assert info.annotation is not None
    return Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


def graph_annotation(annotation: Any, *, is_input: bool) -> Any:
    """The GraphQL-side annotation of a model annotation: exact scalars for money and
    instants, the derived types for nested models."""
    if annotation == Attributes:
        return JSON
    for stored, scalar in _SCALARS.items():
        if annotation == stored:
            return scalar
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        [inner] = [argument for argument in get_args(annotation) if argument is not NoneType]
        return graph_annotation(inner, is_input=is_input) | None
    if origin is list:
        [item] = get_args(annotation)
        return list[graph_annotation(item, is_input=is_input)]  # type: ignore[misc]
    if origin is Annotated:  # constraints only (a minimum length): the type it constrains
        return graph_annotation(get_args(annotation)[0], is_input=is_input)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return input_type(annotation) if is_input else OBJECT_TYPES[annotation]
    if annotation in (str, int, float, bool) or (
        isinstance(annotation, type) and issubclass(annotation, Enum)
    ):
        return annotation
    raise TypeError(f"no GraphQL type for the model annotation {annotation!r}")


def _add_fields(
    cls: type, model: type[BaseModel], exclude: Collection[str], is_input: bool
) -> None:
    """Annotate and describe `cls` after `model`, in the model's order; what `cls`
    declares itself wins (its description falls back on the model's)."""
    declared = dict(cls.__dict__.get("__annotations__", {}))
    annotations: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        annotation = declared.pop(name, None)
        if annotation is None:
            annotation = graph_annotation(model_annotation(info), is_input=is_input)
        field = cls.__dict__.get(name)
        if isinstance(field, StrawberryField):
            field.description = field.description or info.description
        elif is_input and _nullable(annotation):  # an input may leave it out
            setattr(cls, name, strawberry.field(default=None, description=info.description))
        else:
            setattr(cls, name, strawberry.field(description=info.description))
        annotations[name] = annotation
    cls.__annotations__ = annotations | declared  # fields of the class alone come last


def _nullable(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType) and NoneType in get_args(annotation)
