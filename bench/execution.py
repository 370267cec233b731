"""Execution: what the full stack costs per request, next to json.dumps of the same documents.

    .venv/bin/python -m bench.execution

Full stack = an HTTP request over loopback to the app in this process: authentication,
GraphQL parsing, validation and execution, the embedded store's find, and serialization.
"""

import asyncio
import json
from typing import Any

from bench.harness import Served, served_with
from bench.report import Section, table
from bench.timing import side_by_side
from bench.workload import FULL_PAGE, SMALL_PAGE

STORED = 1_000
ROUNDS = 15


async def stored_documents(app: Served, invoice_ids: list[str]) -> list[dict[str, Any]]:
    """The documents as stored, in the page's order."""
    found = await app.invoices.find_raw({"invoiceId": {"$in": invoice_ids}}, {"_id": 0})
    by_id = {document["invoiceId"]: document for document in found}
    return [by_id[invoice_id] for invoice_id in invoice_ids]


async def page_ids(app: Served, size: int) -> list[str]:
    data = await app.data(f"{{ invoices(first: {size}) {{ edges {{ node {{ invoiceId }} }} }} }}")
    return [edge["node"]["invoiceId"] for edge in data["invoices"]["edges"]]


async def run(quick: bool = False) -> Section:
    section = Section("execution: full stack per request vs json.dumps of the same documents")
    rounds = 5 if quick else ROUNDS
    async with served_with(STORED) as app:
        full_documents = await stored_documents(app, await page_ids(app, 100))
        small_documents = full_documents[:10]

        def dump_full() -> str:
            return json.dumps(full_documents)

        def dump_small() -> str:
            return json.dumps(small_documents)

        async def fetch_full_page() -> object:
            return await app.invoices.find(None, [("invoiceDate", -1), ("invoiceId", -1)], 100)

        full = await side_by_side(lambda: app.post(FULL_PAGE), dump_full, rounds)
        store = await side_by_side(fetch_full_page, dump_full, rounds)
        small = await side_by_side(lambda: app.post(SMALL_PAGE), dump_small, rounds)
        full_bytes = len(await app.post(FULL_PAGE))
        small_bytes = len(await app.post(SMALL_PAGE))

    section.add("100 full invoices: full stack / json.dumps", full.ratio, "x")
    section.add("  the store read of that page alone / json.dumps", store.ratio, "x")
    section.add("10 invoices x 3 fields: full stack / json.dumps", small.ratio, "x")
    section.add(
        "100 full invoices / 10 x 3 fields (full stack)", full.measured / small.measured, "x"
    )
    section.add(
        "100 full invoices: response bytes / json.dumps bytes", full_bytes / len(dump_full()), "x"
    )
    section.notes.append(
        f"{STORED:,} invoices in the embedded store; medians of {rounds} alternating rounds"
    )
    section.raw = {
        "full_page_ms": full.measured * 1000,
        "full_page_json_dumps_ms": full.baseline * 1000,
        "store_find_ms": store.measured * 1000,
        "small_query_ms": small.measured * 1000,
        "small_json_dumps_ms": small.baseline * 1000,
        "full_page_response_bytes": full_bytes,
        "small_query_response_bytes": small_bytes,
        "full_page_json_dumps_bytes": len(dump_full()),
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
