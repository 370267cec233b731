"""nx-27017 as the database: a MongoDB wire-protocol server over SQLite, in a child process.

It is not faithful to MongoDB for nested projections and aggregations: use it for faults
and simple reads and writes, not as the reference for query semantics.
"""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bench.processes import LOOPBACK, ChildProcess, free_port, spawn, wait_until_listening
from seeds.demo import generate_demo_invoices
from store.client import open_database
from store.enums import InvoiceStatus
from store.invoices import InvoiceStore, Scope


async def start_nx27017(directory: Path, port: int | None = None) -> ChildProcess:
    """nx-27017, a MongoDB wire-protocol server over SQLite, with its data file in `directory`.

    Starting it again on the same port and directory finds the same data.
    """
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    port = port or free_port()
    arguments = [
        *(sys.executable, "-m", "nx_27017.nx_27017"),
        *("--host", LOOPBACK, "-p", str(port)),
        *("--db", str(directory / "data.sqlite")),
        # Its defaults are shared files under /tmp; a second instance would refuse to start.
        *("--pid-file", str(directory / "nx.pid"), "--log-file", str(directory / "nx.log")),
    ]
    output = directory / "output.log"
    database = ChildProcess(await spawn(arguments, output, {}), port, output)
    await wait_until_listening(port, database, 30.0)
    return database


@contextlib.asynccontextmanager
async def running_nx27017(directory: Path) -> AsyncIterator[ChildProcess]:
    database = await start_nx27017(directory)
    try:
        yield database
    finally:
        await database.stop()


def mongodb_uri(port: int) -> str:
    # directConnection: one server, no replica-set discovery to wait for.
    return f"mongodb://{LOOPBACK}:{port}/?directConnection=true"


async def seed_invoices(database: ChildProcess, account: str, count: int) -> dict[str, str]:
    """Store `count` generated invoices of `account`; invoiceId -> invoiceNumber of the readable.

    Deleted invoices are left out of reads, and so out of the answer.
    """
    invoices = generate_demo_invoices(accounts=(account,), per_account=count)
    store = open_database(mongodb_uri(database.port), "invoicegraph")
    try:
        await InvoiceStore(store).scoped(Scope(account)).insert_many(invoices)
    finally:
        await store.close()
    return {
        invoice.invoiceId: invoice.invoiceNumber
        for invoice in invoices
        if invoice.invoiceStatus is not InvoiceStatus.DELETED
    }
