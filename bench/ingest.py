"""Ingest: records/s of mapping + validation and end to end, as multiples of parsing the JSON.

    .venv/bin/python -m bench.ingest [--records N] [--batch-size N]

Asserts nothing (timings belong here, never in tests). Runs on one core: one process,
one event loop. The records are Akinon's documented example varied per record (1-4
lines, amounts, statuses, dates), as JSON Lines text like a file holds; each rate is
set next to json.loads of the same records.
"""

import argparse
import asyncio
import copy
import json
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.report import Section, table
from seeds.akinon import map_akinon_invoice
from seeds.ingest import BATCH_SIZE, IngestReport, ingest_records
from seeds.sources import parse_records
from store.client import open_database
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "seeds" / "data" / "akinon-example-page.json"
STATUSES = ["waiting", "approved", "cancelled", "waiting", "waiting"]
TYPES = ["purchased", "purchase", "refund"]
RECORDS = 5_000


def akinon_records(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` distinct Akinon records in the shape of the documented example."""
    base = json.loads(EXAMPLE.read_text(), parse_float=Decimal)["results"][0]
    line = base["invoiceitem_set"][0]
    choose = random.Random(seed)
    records = []
    for number in range(1, count + 1):
        record = copy.deepcopy(base)
        record.update(
            id=number,
            number=f"B{number:09d}",
            status=choose.choice(STATUSES),
            invoice_type=choose.choice(TYPES),
            modified_date=f"2024-{choose.randint(1, 12):02d}-{choose.randint(1, 28):02d}"
            f"T{choose.randint(0, 23):02d}:{choose.randint(0, 59):02d}:00.{number % 999999:06d}Z",
        )
        lines = []
        for index in range(choose.randint(1, 4)):
            total = Decimal(choose.randint(100, 99999)) / 100
            tax = (total * Decimal("0.08")).quantize(Decimal("0.01"))
            lines.append(
                line
                | {
                    "id": number * 10 + index,
                    "order_item": number * 10 + index,
                    "total_amount": f"{total:.2f}",
                    "net_amount": f"{total:.2f}",
                    "tax_amount": f"{tax:.2f}",
                }
            )
        record["invoiceitem_set"] = lines
        record["order"] = record["order"] | {"id": number, "number": f"O{number:012d}"}
        records.append(record)
    return records


def bench_mapping(records: list[dict[str, Any]]) -> float:
    """Records/s of map_akinon_invoice (mapping plus the Invoice model's validation)."""
    started = time.perf_counter()
    for record in records:
        map_akinon_invoice(record, "bench")
    return len(records) / (time.perf_counter() - started)


async def bench_end_to_end(text: str, batch_size: int) -> list[tuple[str, float, IngestReport]]:
    """Records/s from JSON Lines text into the embedded store: a first load, then again."""
    database = open_database(None, "bench")
    await ensure_indexes(database)
    invoices = InvoiceStore(database).scoped(Scope("bench"))
    runs = []
    for name in ("first load (all stored)", "same file again (all unchanged)"):
        commands = database.commands.total
        started = time.perf_counter()
        report = await ingest_records(parse_records(text), invoices, batch_size=batch_size)
        rate = report.read / (time.perf_counter() - started)
        name += f", {database.commands.total - commands} database commands"
        runs.append((name, rate, report))
    await database.drop()
    return runs


def json_loads_rate(lines: list[str]) -> float:
    """Records/s of json.loads on the JSON Lines text alone: the floor of any ingest."""
    started = time.perf_counter()
    for line in lines:
        json.loads(line)
    return len(lines) / (time.perf_counter() - started)


async def run(quick: bool = False, records: int = RECORDS, batch_size: int = BATCH_SIZE) -> Section:
    """The `make bench` section: each rate as a multiple of json.loads."""
    section = Section("ingest: Akinon records, time per record as a multiple of json.loads")
    count = 1_000 if quick else records
    generated: list[dict[str, Any]] = akinon_records(count)
    lines = [json.dumps(record, default=str) for record in generated]
    parsing = max(json_loads_rate(lines) for _ in range(3))
    mapping = max(bench_mapping(generated) for _ in range(3))
    section.add("mapping + validation / json.loads", parsing / mapping, "x")
    raw: dict[str, Any] = {"records": count, "json_loads_per_second": parsing}
    raw["mapping_per_second"] = mapping
    for name, rate, report in await bench_end_to_end("\n".join(lines), batch_size):
        section.add(f"end to end, {name} / json.loads", parsing / rate, "x")
        raw[name] = {"records_per_second": rate, "summary": report.summary()}
    section.notes.append(
        f"{count:,} records (bench/ingest.py varies Akinon's documented example), "
        "embedded store, one process"
    )
    section.raw = raw
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=RECORDS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args()
    print(table([asyncio.run(run(records=args.records, batch_size=args.batch_size))]))


if __name__ == "__main__":
    main()
