"""The benchmark's results: rows of a table, printed and written as JSON."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass
class Row:
    """One figure: what was measured, its value, and how to read the value."""

    name: str
    value: float | int | str
    unit: str = ""
    """`x` for a ratio, `count`, `bytes`, ... Ratios are the only machine-dependent figures."""

    def shown(self) -> str:
        if isinstance(self.value, float):
            if abs(self.value) < 0.1:
                return f"{self.value:.3g}{self.unit}"
            digits = 2 if abs(self.value) < 10 else 1
            return f"{self.value:,.{digits}f}{self.unit}"
        if isinstance(self.value, int):
            return f"{self.value:,}{(' ' + self.unit) if self.unit else ''}"
        return self.value


@dataclass
class Section:
    """The rows of one part of the benchmark, and raw measurements for the curious."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, name: str, value: float | int | str, unit: str = "") -> None:
        self.rows.append(Row(name, value, unit))


def table(sections: list[Section]) -> str:
    width = max((len(row.name) for section in sections for row in section.rows), default=20)
    lines = []
    for section in sections:
        lines.append(f"\n{section.title}  ({section.seconds:.0f}s)")
        lines.append("-" * (width + 16))
        lines.extend(f"  {row.name:<{width}}  {row.shown():>12}" for row in section.rows)
        lines.extend(f"  note: {note}" for note in section.notes)
    return "\n".join(lines)


def write(sections: list[Section], machine: dict[str, Any], path: Path = RESULTS) -> None:
    document = {"machine": machine, "sections": [asdict(section) for section in sections]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
