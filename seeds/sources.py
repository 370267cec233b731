"""Reading source files: one record, a JSON array, an Akinon list page, or JSON Lines.

A rejects file written by `invoicegraph ingest --rejects` is JSON Lines of
`{"rejected": {...why...}, "record": <the record>}`: reading it gives the records back,
so a fixed rejects file replays as it is.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REJECTED_KEYS = frozenset({"rejected", "record"})
"""The keys of a line of a rejects file."""


@dataclass(frozen=True)
class SourceRecord:
    """One record of a file, or the reason it could not be read; `position` counts from 1.

    `raw` is what the source held when it is not an object: the text of a line that is not
    JSON, or the value that is not a record.
    """

    position: int
    data: dict[str, Any] | None
    error: str | None = None
    raw: Any = None

    @property
    def original(self) -> Any:
        """The record as the source gave it, to write into a rejects file."""
        return self.data if self.data is not None else self.raw


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
            yield SourceRecord(1, None, f"not valid JSON: {whole_error}", raw=text)
            return
        yield from _json_lines(text)
        return
    for position, item in enumerate(items, start=1):
        yield to_source_record(position, item)


def _json_lines(text: str) -> Iterator[SourceRecord]:
    position = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        position += 1
        try:
            item = _loads(line)
        except json.JSONDecodeError as error:
            yield SourceRecord(
                position, None, f"line {line_number} is not valid JSON: {error}", raw=line
            )
            continue
        yield to_source_record(position, item)


def to_source_record(position: int, item: Any) -> SourceRecord:
    """One parsed item as a record, or the reason it is not one."""
    if isinstance(item, dict) and item.keys() == REJECTED_KEYS:
        return _replayed(position, item["record"])
    if not isinstance(item, dict):
        kind = "null" if item is None else type(item).__name__
        return SourceRecord(position, None, f"expected a JSON object, got {kind}", raw=item)
    return SourceRecord(position, item)


def _replayed(position: int, record: Any) -> SourceRecord:
    """A record from a rejects file: text there is a line that was not JSON, maybe fixed since."""
    if isinstance(record, str):
        try:
            record = _loads(record)
        except json.JSONDecodeError as error:
            return SourceRecord(position, None, f"not valid JSON: {error}", raw=record)
    return to_source_record(position, record)


def read_records(path: Path) -> Iterator[SourceRecord]:
    yield from parse_records(path.read_text(encoding="utf-8"))
