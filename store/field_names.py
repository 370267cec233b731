"""Free-form keys (attributes) that can be stored as MongoDB field names as they are.

A key with a '.' would be read as a path and one starting with '$' as an operator, and
an empty key cannot be addressed: such keys are refused wherever a client sends JSON.
"""

from typing import Any

from store.refusals import INVALID_INPUT, Refusal, field_path


def is_safe_key(key: str) -> bool:
    return bool(key) and "." not in key and not key.startswith("$")


def key_problem(key: str, field: str) -> Refusal:
    return Refusal(
        INVALID_INPUT,
        f"key {key!r} in {field} is not allowed: keys are non-empty, without '.' and "
        "without a leading '$'",
        field,
    )


def unsafe_key_problems(value: Any, location: list[str | int]) -> list[Refusal]:
    """A refusal for every unsafe key anywhere inside `value` (found at `location`)."""
    problems: list[Refusal] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if not is_safe_key(key):
                problems.append(key_problem(key, field_path(location)))
            else:
                problems += unsafe_key_problems(inner, [*location, key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            problems += unsafe_key_problems(inner, [*location, index])
    return problems
