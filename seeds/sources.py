"""Reading source files: one record, a JSON array, an Akinon list page, or JSON Lines."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceRecord:
    """One record of a file, or the reason it could not be read; `position` counts from 1."""

    position: int
    data: dict[str, Any] | None
    error: str | None = None


def _loads(text: str) -> Any:
    # Floats become Decimals so that no amount passes through binary floating point.
    return json.loads(text, parse_float=Decimal)


def _as_records(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("results"), list) and "count" in value:
        return list(value["results"])  # an Akinon list page {count, next, previous, results}
    if isinstance(value, list):
        return value
    return [value]


def parse_records(text: str) -> Iterator[SourceRecord]:
    """Detect the format and yield every record, good or not."""
    if not text.strip():
        return
    try:
        items = _as_records(_loads(text))
    except json.JSONDecodeError as whole_error:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            yield SourceRecord(1, None, f"not valid JSON: {whole_error}")
            return
        yield from _json_lines(text)
        return
    for position, item in enumerate(items, start=1):
        yield _record(position, item)


def _json_lines(text: str) -> Iterator[SourceRecord]:
    position = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        position += 1
        try:
            item = _loads(line)
        except json.JSONDecodeError as error:
            yield SourceRecord(position, None, f"line {line_number} is not valid JSON: {error}")
            continue
        yield _record(position, item)


def _record(position: int, item: Any) -> SourceRecord:
    if not isinstance(item, dict):
        return SourceRecord(position, None, f"expected a JSON object, got {type(item).__name__}")
    return SourceRecord(position, item)


def read_records(path: Path) -> Iterator[SourceRecord]:
    yield from parse_records(path.read_text(encoding="utf-8"))
