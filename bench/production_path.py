"""The production path: the same requests through PyMongo to a MongoDB-speaking server.

    .venv/bin/python -m bench.production_path

Two apps in this process hold the same invoices: one in the embedded store, one in
mongoeco's wire server (bench/wire_server.py, a child process; PyMongo's AsyncMongoClient
over loopback). Each request is timed on both, each time beside json.dumps of the page's
documents, so the ratio wire / embedded is of like with like on a loaded machine too.

- server-side: the request's time inside the server (the app's own histogram);
- database: the time inside database commands (PyMongo's call: the round trip, the stand-in's
  own work, and decoding the answer);
- PyMongo's share for a full page: the time inside its `find` per page, and BSON decoding
  alone (`bson.decode_all` of the same documents, as the client decodes them), each as a
  multiple of json.dumps of those documents.

The stand-in is not MongoDB (docs/drivers.md): its own work is in these figures, so they
bound the driver's cost from above; they do not predict a MongoDB server's latency.
"""

import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions

from bench.database import RELATED_PAGE
from bench.execution import Costs, page_ids, side_by_side, stored_documents
from bench.harness import Served, demo_documents, served
from bench.report import Section, table
from bench.wire_server import NOT_INSTALLED, running_wire_server, wire_server_installed, wire_uri
from bench.workload import (
    ATTRIBUTES_UPDATE,
    FILTERED_PAGE,
    FULL_PAGE,
    LOOKUP,
    SMALL_PAGE,
    SUMMARY,
)
from store.client import open_database
from store.collection_names import INVOICES

# Mongoeco builds compound unique indexes in quadratic time (docs/drivers.md): a few hundred
# invoices, stored before the app creates its indexes.
STORED = 300
ROUNDS = 15
CHUNK = 100
# Generous: the stand-in answers one command at a time, index builds included.
DATABASE_TIMEOUT_MS = 60_000


@contextlib.asynccontextmanager
async def on_the_wire(documents: list[dict[str, Any]]) -> AsyncIterator[Served]:
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as directory:
        async with running_wire_server(Path(directory)) as server:
            uri = wire_uri(server.port)
            database = open_database(uri, "invoicegraph", DATABASE_TIMEOUT_MS)
            try:
                for start in range(0, len(documents), CHUNK):
                    chunk = [dict(document) for document in documents[start : start + CHUNK]]
                    await database.collection(INVOICES).insert_many(chunk)
            finally:
                await database.close()
            async with served(uri=uri, database_timeout_ms=DATABASE_TIMEOUT_MS) as app:
                yield app


@contextlib.asynccontextmanager
async def embedded(documents: list[dict[str, Any]]) -> AsyncIterator[Served]:
    async with served() as app:
        await app.database.collection(INVOICES).insert_many(documents)
        yield app


def asking(
    app: Served, query: str, variables: dict[str, Any] | None
) -> Callable[[], Awaitable[bytes]]:
    return lambda: app.post(query, variables)


def decode_seconds(documents: list[dict[str, Any]], rounds: int) -> float:
    """Median seconds for PyMongo's BSON decoding of the documents (tz-aware, as the store's)."""
    payload = b"".join(bson.encode(document) for document in documents)
    options: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)
    times = []
    for _ in range(rounds + 1):
        started = time.perf_counter()
        bson.decode_all(payload, options)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


async def run(quick: bool = False) -> Section:
    rounds = 5 if quick else ROUNDS
    section = Section("production path: PyMongo to mongoeco's wire server vs the embedded store")
    if not wire_server_installed():
        section.notes.append(f"not measured: {NOT_INSTALLED}")
        return section
    documents = demo_documents(STORED)
    async with on_the_wire(documents) as wire, embedded(documents) as local:
        ids = await page_ids(local, 100)
        assert ids == await page_ids(wire, 100), "both stores answer the same page"
        full_documents = await stored_documents(local, ids)

        def dump_full() -> str:
            return json.dumps(full_documents, default=str)

        requests = {
            "invoice(invoiceId), 5 fields": (LOOKUP, {"id": ids[0]}),
            "10 invoices x 3 fields": (SMALL_PAGE, None),
            "100 full invoices": (FULL_PAGE, None),
            "filtered, sorted page of 20 + totalCount": (FILTERED_PAGE, {"status": "SETTLED"}),
            "20 invoices + relatedInvoices + totalCount": (RELATED_PAGE, None),
            "invoiceSummary by type": (SUMMARY, {"type": "SHIPPING"}),
            "invoiceAttributesUpdate": (
                ATTRIBUTES_UPDATE,
                {"id": ids[0], "attributes": {"benchmark": 1}},
            ),
        }
        measured: dict[str, dict[str, Costs]] = {}
        commands: dict[str, dict[str, int]] = {}
        for name, (query, variables) in requests.items():
            measured[name], commands[name] = {}, {}
            for path, app in (("embedded", local), ("wire", wire)):
                before = app.database.commands.total
                await app.post(query, variables)
                commands[name][path] = app.database.commands.total - before
                measured[name][path] = await side_by_side(
                    app, asking(app, query, variables), dump_full, rounds
                )
    for name, costs in measured.items():
        wire_costs, local_costs = costs["wire"], costs["embedded"]
        section.add(
            f"{name}: server-side, wire / embedded",
            (wire_costs.server / wire_costs.baseline) / (local_costs.server / local_costs.baseline),
            "x",
        )
        section.add(
            "  time in database commands, wire / embedded",
            (wire_costs.database / wire_costs.baseline)
            / (local_costs.database / local_costs.baseline),
            "x",
        )
        section.add(
            "  database commands, embedded / wire",
            f"{commands[name]['embedded']} / {commands[name]['wire']}",
        )
    full = measured["100 full invoices"]["wire"]
    database_seconds = full.database
    decoding = decode_seconds(full_documents, rounds)
    section.add(
        "100 full invoices: inside PyMongo's find (decoding included) / json.dumps",
        database_seconds / full.baseline,
        "x",
    )
    section.add("  of which BSON decoding alone / json.dumps", decoding / full.baseline, "x")
    section.notes.append(
        f"{STORED:,} invoices in each store; medians of {rounds} rounds, each beside json.dumps "
        "of the full page's 100 documents; the stand-in's own work is in the wire figures"
    )
    section.raw = {
        "requests": {
            name: {path: vars(costs) for path, costs in paths.items()}
            for name, paths in measured.items()
        },
        "commands": commands,
        "full_page_decode_seconds": decoding,
        "full_page_json_dumps_seconds": full.baseline,
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
