"""Growth: how request latency grows from 1,000 to 100,000 invoices on the embedded store.

    .venv/bin/python -m bench.growth

One account's invoices grow 1k -> 10k -> 100k in one store; at each size the same three
requests are timed through the full stack, and reported as multiples of their 1k latency.
The embedded store (mongomock) has no query planner: docs/performance.md says where it
scans and what MongoDB does instead with the indexes of store/indexes.py.
"""

import asyncio
import functools
import gc
import hashlib
import time
from typing import Any

import orjson

from bench.harness import Served, demo_documents, served
from bench.report import Section, table
from bench.timing import median_seconds
from bench.workload import FILTERED_PAGE, LOOKUP, SUMMARY
from store.collection_names import INVOICES

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 3_000, 10_000)
GENERATED = 10_000
"""Invoices made by the demo generator; larger sizes repeat them under new keys."""
ROUNDS = {1_000: 5, 3_000: 3, 10_000: 3, 100_000: 1}
INSERT_BATCH = 5_000


def replica(document: dict[str, Any], copy: int) -> dict[str, Any]:
    """A stored invoice again under new unique keys (invoiceId, number, source, orders).

    Generating 100,000 invoices takes minutes; copies keep the generated mix of statuses,
    types, currencies and sizes. Orders get new ids too, so relations stay within a copy.
    """
    clone: dict[str, Any] = orjson.loads(orjson.dumps(document))
    suffix = f"-{copy}"
    digest = hashlib.sha256(f"{copy}:{document['invoiceId']}".encode()).hexdigest()
    clone["invoiceId"] = digest[:24]
    clone["invoiceNumber"] += suffix
    clone["source"]["id"] += suffix
    for order in clone.get("orders") or []:
        for key in ("orderId", "orderNumber"):
            if order.get(key):
                order[key] += suffix
    return clone


def documents_for(generated: list[dict[str, Any]], start: int, stop: int) -> list[dict[str, Any]]:
    """Documents number start..stop of the growing store: generated ones, then replicas."""
    return [
        generated[index]
        if index < len(generated)
        else replica(generated[index % len(generated)], index // len(generated))
        for index in range(start, stop)
    ]


async def fill(app: Served, documents: list[dict[str, Any]]) -> None:
    collection = app.database.collection(INVOICES)
    for start in range(0, len(documents), INSERT_BATCH):
        await collection.insert_many(documents[start : start + INSERT_BATCH])


REQUESTS = {
    "invoice(invoiceId)": LOOKUP,
    "filtered, sorted page": FILTERED_PAGE,
    "invoiceSummary": SUMMARY,
}


async def latencies(app: Served, invoice_id: str, rounds: int) -> dict[str, float]:
    variables = {
        "invoice(invoiceId)": {"id": invoice_id},
        "filtered, sorted page": {"status": "SETTLED"},
        "invoiceSummary": {"type": "SHIPPING"},
    }
    measured = {}
    for name, query in REQUESTS.items():
        request = functools.partial(app.post, query, variables[name])
        measured[name] = await median_seconds(request, rounds)
    return measured


async def run(quick: bool = False) -> Section:
    sizes = QUICK_SIZES if quick else SIZES
    section = Section(f"growth: latency at n invoices / latency at {sizes[0]:,} (embedded store)")
    generated = demo_documents(min(GENERATED, sizes[-1]))
    invoice_id = generated[0]["invoiceId"]
    by_size: dict[int, dict[str, float]] = {}
    stored = 0
    async with served() as app:
        for size in sizes:
            started = time.perf_counter()
            await fill(app, documents_for(generated, stored, size))
            filled = time.perf_counter() - started
            gc.collect()
            if not stored:  # warm up once: first-use imports and caches are not growth
                await latencies(app, invoice_id, 1)
            stored = size
            by_size[size] = await latencies(app, invoice_id, ROUNDS[size])
            section.raw[f"{size}"] = {
                "fill_seconds": filled,
                **{f"{name}_ms": seconds * 1000 for name, seconds in by_size[size].items()},
            }
    base = by_size[sizes[0]]
    for name in base:
        for size in sizes[1:]:
            section.add(f"{name}: {size:,} / {sizes[0]:,}", by_size[size][name] / base[name], "x")
    section.notes.append(
        "the embedded store scans every document of the collection for each find and "
        "aggregate; MongoDB walks the indexes (docs/performance.md)"
    )
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
