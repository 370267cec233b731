"""Keyset pagination: resume a sorted listing after the sort-key values of a document."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SortKey:
    """One key of a total order over stored documents: a MongoDB path, a direction, and
    the type of its values (None: text or an integer), which cursors are checked against."""

    path: str
    descending: bool = False
    value_type: type | None = None


def values_fit(keys: Sequence[SortKey], values: Sequence[Any]) -> bool:
    """Whether `values` are one plain value of the right type per key.

    Values come back from clients inside cursors: a sub-document there would be read as
    query operators, so nothing but the exact scalar type passes.
    """
    return len(values) == len(keys) and all(
        type(value) in ((key.value_type,) if key.value_type else (str, int))
        for key, value in zip(keys, values, strict=True)
    )


def mongo_sort(keys: Sequence[SortKey], backwards: bool = False) -> list[tuple[str, int]]:
    """The `sort` of a listing; walking backwards reverses every key."""
    return [(key.path, -1 if key.descending != backwards else 1) for key in keys]


def after_condition(
    keys: Sequence[SortKey], values: Sequence[Any], backwards: bool = False
) -> dict[str, Any]:
    """Documents strictly after `values` in the order of `keys` (before, walking backwards).

    (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...: every key is present and non-null on
    every document, so the comparison is exact on both backends.
    """
    if not values_fit(keys, values):
        raise ValueError("the key values do not fit the sort keys")
    branches: list[dict[str, Any]] = []
    for position, key in enumerate(keys):
        operator = "$lt" if key.descending != backwards else "$gt"
        branch = {earlier.path: values[index] for index, earlier in enumerate(keys[:position])}
        branch[key.path] = {operator: values[position]}
        branches.append(branch)
    return {"$or": branches}


def key_values(document: Mapping[str, Any], keys: Sequence[SortKey]) -> list[Any]:
    """The values of `keys` in a stored document (dotted paths walk into sub-documents)."""
    values = []
    for key in keys:
        value: Any = document
        for part in key.path.split("."):
            value = value[part]
        values.append(value)
    return values
