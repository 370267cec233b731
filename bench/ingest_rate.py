"""Ingest: records/s of mapping + validation and end to end, as multiples of parsing the JSON.

    .venv/bin/python -m bench.ingest_rate

The ingest engineer's bench/ingest.py builds the Akinon records and measures the rates;
this section runs it and sets each rate next to json.loads of the same records.
"""

import asyncio
import json
import time
from typing import Any

from bench import ingest
from bench.report import Section, table
from seeds.ingest import BATCH_SIZE

RECORDS = 5_000


def json_loads_rate(lines: list[str]) -> float:
    """Records/s of json.loads on the JSON Lines text alone: the floor of any ingest."""
    started = time.perf_counter()
    for line in lines:
        json.loads(line)
    return len(lines) / (time.perf_counter() - started)


async def run(quick: bool = False) -> Section:
    section = Section("ingest: Akinon records, time per record as a multiple of json.loads")
    count = 1_000 if quick else RECORDS
    records: list[dict[str, Any]] = ingest.akinon_records(count)
    lines = [json.dumps(record, default=str) for record in records]
    parsing = max(json_loads_rate(lines) for _ in range(3))
    mapping = max(ingest.bench_mapping(records) for _ in range(3))
    section.add("mapping + validation / json.loads", parsing / mapping, "x")
    raw: dict[str, Any] = {"records": count, "json_loads_per_second": parsing}
    raw["mapping_per_second"] = mapping
    for name, rate, report in await ingest.bench_end_to_end("\n".join(lines), BATCH_SIZE):
        section.add(f"end to end, {name} / json.loads", parsing / rate, "x")
        raw[name] = {"records_per_second": rate, "summary": report.summary()}
    section.notes.append(
        f"{count:,} records (bench/ingest.py varies Akinon's documented example), "
        "embedded store, one process"
    )
    section.raw = raw
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
