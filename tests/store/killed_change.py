"""A change made in a process that is killed right after its N-th database command.

    python -m tests.store.killed_change URI DATABASE CHANGE N

Run by tests/store/test_events_killed.py: the process makes the change CHANGE (one of
tests/store/test_events.py's CHANGES) and then runs the relay, and exits with status 9,
without any cleanup, as soon as its N-th command has completed.
"""

import asyncio
import os
import sys

from store.client import open_database
from store.invoices import InvoiceStore, Scope
from tests.store.test_events import CHANGES


async def main(uri: str, name: str, change: str, point: int) -> None:
    database = open_database(uri, name, timeout_ms=30_000)
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    found = await invoices.get_by_number("F-1", ["invoiceId"])
    assert found is not None
    invoice_id = found["invoiceId"]
    seen = [0]

    def listener(_name: str, _seconds: float) -> None:
        seen[0] += 1
        if seen[0] == point:
            os._exit(9)  # killed: no finally, no relay, no close

    database.commands.listeners.append(listener)
    await CHANGES[change](invoices, invoice_id)
    await invoices.events.relay.relay("demo")
    os._exit(0)  # every command done before the kill point


if __name__ == "__main__":
    uri, name, change, point = sys.argv[1:]
    asyncio.run(main(uri, name, change, int(point)))
