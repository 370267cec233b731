"""A database of a test's own in a child process: mongoeco's wire server over SQLite.

For tests that stop, restart or stall the database under a running `invoicegraph serve`
(faults, shutdown): its SQLite engine keeps the data in a file, so a restart on the same
port finds it again. The same stand-in as the `mongodb` tests (tests/wire_server.py).
"""

import contextlib
from pathlib import Path

from bench.processes import ChildProcess
from bench.wire_server import running_wire_server, start_wire_server, wire_uri
from seeds.demo import generate_demo_invoices
from store.client import open_database
from store.domain.enums import InvoiceStatus
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope


async def start_database(directory: Path, port: int | None = None) -> ChildProcess:
    """The wire server with its data in `directory`; again on the same port, the same data."""
    return await start_wire_server(directory, port, sqlite_file=directory / "data.sqlite")


def running_database(directory: Path) -> contextlib.AbstractAsyncContextManager[ChildProcess]:
    """`start_database`'s server, stopped when the context exits."""
    return running_wire_server(directory, sqlite_file=directory / "data.sqlite")


def mongodb_uri(port: int) -> str:
    return wire_uri(port)


async def seed_invoices(database: ChildProcess, account: str, count: int) -> dict[str, str]:
    """Store `count` generated invoices of `account`; invoiceId -> invoiceNumber of the readable.

    Deleted invoices are left out of reads, and so out of the answer.
    """
    invoices = generate_demo_invoices(accounts=(account,), per_account=count)
    store = open_database(mongodb_uri(database.port), "invoicegraph")
    try:
        await ensure_indexes(store)  # as `serve` will: before the data, as in production
        await InvoiceStore(store).scoped(Scope(account)).insert_many(invoices)
    finally:
        await store.close()
    return {
        invoice.invoiceId: invoice.invoiceNumber
        for invoice in invoices
        if invoice.invoiceStatus is not InvoiceStatus.DELETED
    }
