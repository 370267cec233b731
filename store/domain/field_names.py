"""Free-form JSON (attributes) that MongoDB can store as it is.

A key with a '.' would be read as a path and one starting with '$' as an operator, an
empty key cannot be addressed, and BSON cannot hold a NUL in a key (its keys are C
strings) nor an integer beyond 64 bits: such keys and values are refused wherever a
client sends JSON, with their path, before anything is written.
"""

from typing import Any

from store.domain.refusals import INVALID_INPUT, Refusal, field_path

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""The integers BSON holds exactly (MongoDB's long)."""


def is_safe_key(key: str) -> bool:
    return bool(key) and "." not in key and not key.startswith("$") and "\x00" not in key


def key_problem(key: str, field: str) -> Refusal:
    return Refusal(
        INVALID_INPUT,
        f"key {key!r} in {field} is not allowed: keys are non-empty, without '.', "
        "without a leading '$' and without NUL characters",
        field,
    )


def integer_problem(value: int, field: str) -> Refusal:
    return Refusal(
        INVALID_INPUT,
        f"the integer {value} in {field} is beyond 64 bits, the most MongoDB stores exactly: "
        "send it as a string",
        field,
    )


def unsafe_key_problems(value: Any, location: list[str | int]) -> list[Refusal]:
    """A refusal for every unsafe key, and every integer beyond 64 bits, inside `value`."""
    problems: list[Refusal] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str) or not is_safe_key(key):
                problems.append(key_problem(str(key), field_path(location)))
            else:
                problems += unsafe_key_problems(inner, [*location, key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            problems += unsafe_key_problems(inner, [*location, index])
    elif type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        problems.append(integer_problem(value, field_path(location)))
    return problems
