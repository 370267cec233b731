"""Registers an enum defined outside graph/ (store, seeds) with a description for each value."""

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=type[Enum])


def described_enum(
    cls: E, *, description: str, values: Mapping[Enum, str], name: str | None = None
) -> E:
    """strawberry.enum for a class that cannot use strawberry.enum_value; values described here."""
    missing = [member.name for member in cls if not values.get(member)]
    foreign = [member for member in values if not isinstance(member, cls)]
    if missing or foreign:
        raise ValueError(f"{cls.__name__}: undescribed {missing}, foreign {foreign}")
    registered = strawberry.enum(cls, name=name, description=description)
    for value in registered.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[cls[value.name]]
    return registered
