"""Database: the commands and the bytes each standard request costs (exact counts).

    .venv/bin/python -m bench.database

Bytes are the BSON size of the documents the store returns to the app: what a real
MongoDB would send over the wire for the same commands.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import bson

from bench.harness import Served, served_with
from bench.report import Section, table
from bench.workload import (
    ATTRIBUTES_UPDATE,
    FILTERED_PAGE,
    FULL_PAGE,
    LOOKUP,
    SMALL_PAGE,
    SUMMARY,
)
from store.client import Collection

STORED = 1_000
RELATED_PAGE = """
query RelatedPage {
  invoices(first: 20) {
    totalCount
    edges { node { invoiceNumber relatedInvoices { invoiceNumber invoiceType } } }
  }
}
"""


@dataclass
class Fetched:
    documents: int = 0
    bytes: int = 0

    def add(self, documents: list[dict[str, Any]]) -> None:
        self.documents += len(documents)
        self.bytes += sum(len(bson.encode(document)) for document in documents)


@contextlib.contextmanager
def metering() -> Iterator[Fetched]:
    """Count what every read of the store returns, while the block runs."""
    fetched = Fetched()
    originals = {
        name: getattr(Collection, name)
        for name in ("find", "find_one", "aggregate", "find_one_and_update")
    }

    def metered(name: str) -> Any:
        original = originals[name]

        async def read(self: Collection, *args: Any, **kwargs: Any) -> Any:
            result = await original(self, *args, **kwargs)
            if isinstance(result, list):
                fetched.add(result)
            elif result is not None:
                fetched.add([result])
            return result

        return read

    for name in originals:
        setattr(Collection, name, metered(name))
    try:
        yield fetched
    finally:
        for name, original in originals.items():
            setattr(Collection, name, original)


async def cost(app: Served, query: str, variables: dict[str, Any] | None) -> tuple[int, Fetched]:
    before = app.database.commands.total
    with metering() as fetched:
        await app.post(query, variables)
    return app.database.commands.total - before, fetched


async def run(quick: bool = False) -> Section:
    section = Section("database: commands and bytes fetched per request (exact)")
    async with served_with(STORED) as app:
        ids = await app.data("{ invoices(first: 1) { edges { node { invoiceId } } } }")
        invoice_id = ids["invoices"]["edges"][0]["node"]["invoiceId"]
        requests = {
            "invoice(invoiceId), 5 fields": (LOOKUP, {"id": invoice_id}),
            "10 invoices x 3 fields": (SMALL_PAGE, None),
            "100 full invoices": (FULL_PAGE, None),
            "filtered, sorted page of 20 + totalCount": (FILTERED_PAGE, {"status": "SETTLED"}),
            "20 invoices + relatedInvoices + totalCount": (RELATED_PAGE, None),
            "invoiceSummary by type": (SUMMARY, {"type": "SHIPPING"}),
            "invoiceAttributesUpdate": (
                ATTRIBUTES_UPDATE,
                {"id": invoice_id, "attributes": {"benchmark": 1}},
            ),
        }
        for name, (query, variables) in requests.items():
            commands, fetched = await cost(app, query, variables)
            section.add(f"{name}: commands", commands)
            section.add(
                f"{name}: documents / bytes fetched", f"{fetched.documents} / {fetched.bytes:,}"
            )
            section.raw[name] = {
                "commands": commands,
                "documents": fetched.documents,
                "bytes": fetched.bytes,
            }
    section.notes.append(f"{STORED:,} invoices stored; the same on every machine")
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
