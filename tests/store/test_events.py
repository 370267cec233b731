"""The event feed's store: lossless under faults, one order per account, settled reads.

A fault is injected after the n-th database command of a change and of the relay that
follows it, for every n: the change's own commands, then the relay's. After recovery
(a later read of the feed, once a dead relay run's lease expired) every version of every
invoice has exactly one event, in version order, and no event is left pending.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from seeds.fabric import fabric_invoice
from store.client import Database
from store.collection_names import INVOICE_EVENTS, INVOICES
from store.domain.changes import AttributesUpdate, StatusUpdate, acknowledge, post
from store.domain.documents import Invoice, InvoiceSource
from store.domain.enums import InvoiceStatus
from store.domain.events import PENDING_EVENTS, InvoiceEvent
from store.event_feed import EventStore
from store.event_relay import EventRelay
from store.invoice_writer import InvoiceWriter
from store.invoices import InvoiceStore, Scope, ScopedInvoices


class InjectedFault(Exception):
    """Raised after a database command has completed: the next one never runs."""


class Clock:
    """The relay's clock, moved on by hand to expire a dead run's lease."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def fault_after(database: Database, commands: int) -> Iterator[list[str]]:
    """Raise InjectedFault right after the `commands`-th command from here completes."""
    seen: list[str] = []

    def listener(name: str, _seconds: float) -> None:
        seen.append(name)
        if len(seen) == commands:
            raise InjectedFault(f"after command {commands} ({name})")

    database.commands.listeners.append(listener)
    try:
        yield seen
    finally:
        database.commands.listeners.remove(listener)


def store(database: Database, clock: Clock) -> InvoiceStore:
    return InvoiceStore(database, EventStore(database, EventRelay(database, clock=clock)))


def source_invoice(number: int, status: str, modified: str, invoice_id: str = "") -> Invoice:
    record = {"invoiceNumber": f"S-{number}", "invoiceTotal": "1.00", "invoiceStatus": status}
    if invoice_id:
        record["invoiceId"] = invoice_id
    invoice = fabric_invoice(record, "demo", source_system="erp")
    source = InvoiceSource(system="erp", id=f"rec-{number}", modifiedAt=modified)
    return invoice.model_copy(update={"source": source})


Change = Callable[[ScopedInvoices], Awaitable[Any]]


async def prepared(invoices: ScopedInvoices) -> str:
    """An invoice created through the writer, and a source record ingested once."""
    writer = InvoiceWriter(invoices, "setup")
    created = await writer.create(
        fabric_invoice(
            {"invoiceNumber": "F-1", "invoiceTotal": "5.00", "invoiceStatus": "ISSUED"}, "demo"
        )
    )
    await invoices.upsert_from_source(
        [source_invoice(1, "ISSUED", "2024-01-01T00:00:00Z", "ingested")], "setup"
    )
    return created.invoiceId


def writer(invoices: ScopedInvoices) -> InvoiceWriter:
    return InvoiceWriter(invoices, "tester")


CHANGES: dict[str, Callable[[ScopedInvoices, str], Awaitable[Any]]] = {
    "create": lambda invoices, _: writer(invoices).create(
        fabric_invoice({"invoiceNumber": "F-2", "invoiceTotal": "1.00"}, "demo")
    ),
    "status update": lambda invoices, invoice_id: writer(invoices).apply(
        invoice_id, StatusUpdate(InvoiceStatus.CAPTURED)
    ),
    "post": lambda invoices, invoice_id: writer(invoices).apply(invoice_id, post()),
    "acknowledge": lambda invoices, invoice_id: _post_then_acknowledge(invoices, invoice_id),
    "attributes update": lambda invoices, invoice_id: writer(invoices).apply(
        invoice_id, AttributesUpdate({"tag": 1}, [])
    ),
    "ingest store": lambda invoices, _: invoices.upsert_from_source(
        [source_invoice(2, "ISSUED", "2024-01-01T00:00:00Z")], "ingest"
    ),
    "ingest update": lambda invoices, _: invoices.upsert_from_source(
        [source_invoice(1, "CAPTURED", "2024-02-01T00:00:00Z", "ingested")], "ingest"
    ),
}


async def _post_then_acknowledge(invoices: ScopedInvoices, invoice_id: str) -> None:
    await writer(invoices).apply(invoice_id, post())
    await writer(invoices).apply(invoice_id, acknowledge())


async def assert_every_version_has_one_event(database: Database) -> list[InvoiceEvent]:
    """Each invoice's events are exactly its versions from its first event on, in order."""
    invoices = await database.collection(INVOICES).find({})
    events = [
        InvoiceEvent.model_validate(document)
        for document in await database.collection(INVOICE_EVENTS).find(
            {"gap": {"$ne": True}}, {"_id": 0}, sort=[("seq", 1)]
        )
    ]
    assert [event.seq for event in events] == sorted({event.seq for event in events})
    for invoice in invoices:
        assert not invoice.get(PENDING_EVENTS), f"{invoice['invoiceId']} still has pending events"
        versions = [event.version for event in events if event.invoiceId == invoice["invoiceId"]]
        assert versions == list(range(1, invoice["version"] + 1)), invoice["invoiceId"]
    return events


async def commands_of(change: str) -> int:
    """How many commands the change and one relay run make, counted on a fresh store."""
    database = await _fresh()
    invoices = store(database, Clock()).scoped(Scope("demo"))
    invoice_id = await prepared(invoices)
    await invoices.events.page(None, 100)
    before = database.commands.total
    await CHANGES[change](invoices, invoice_id)
    await invoices.events.relay.relay("demo")
    return database.commands.total - before


async def _fresh() -> Database:
    from store.client import open_database
    from store.indexes import ensure_indexes

    database = open_database(None, "invoicegraph_faults")
    await ensure_indexes(database)
    return database


@pytest.mark.parametrize("change", list(CHANGES))
async def test_no_event_is_lost_whatever_command_a_fault_follows(change: str) -> None:
    total = await commands_of(change)
    assert total >= 6  # the change's own commands, then the relay's five
    for point in range(1, total + 1):
        database = await _fresh()
        clock = Clock()
        invoices = store(database, clock).scoped(Scope("demo"))
        invoice_id = await prepared(invoices)
        await invoices.events.page(None, 100)

        with fault_after(database, point) as seen:
            try:
                await CHANGES[change](invoices, invoice_id)
                await invoices.events.relay.relay("demo")
            except InjectedFault:
                pass
        assert len(seen) == point, (change, point, seen)

        clock.now += invoices.events.relay.lease_seconds + 1  # a dead run's lease expires
        recovering = store(database, clock).scoped(Scope("demo"))  # another process
        await recovering.events.page(None, 100)
        await assert_every_version_has_one_event(database)


async def test_feed_numbers_events_per_account_in_version_order(database: Database) -> None:
    clock = Clock()
    invoices = store(database, clock).scoped(Scope("demo"))
    other = store(database, clock).scoped(Scope("acme"))
    invoice_id = await prepared(invoices)
    await writer(invoices).apply(invoice_id, post())
    await InvoiceWriter(other, "acme").create(
        fabric_invoice({"invoiceNumber": "A-1", "invoiceTotal": "1.00"}, "acme")
    )

    page = await invoices.events.page(None, 100)
    mine = [(event.invoiceId, event.version, event.seq) for event, _ in page]
    acme = [(event.invoiceId, event.seq) for event, _ in await other.events.page(None, 100)]

    assert [seq for *_, seq in mine] == [1, 2, 3]
    assert [(i, v) for i, v, _ in mine if i == invoice_id] == [(invoice_id, 1), (invoice_id, 2)]
    assert [seq for _, seq in acme] == [1]
    resumed = await invoices.events.page(page[0][1], 100)
    assert [event.seq for event, _ in resumed] == [2, 3]


async def test_readers_stop_below_numbers_a_live_run_reserved(database: Database) -> None:
    """A run that reserved numbers but has not written them holds readers back to `done`."""
    clock = Clock()
    invoices = store(database, clock).scoped(Scope("demo"))
    invoice_id = await prepared(invoices)
    await invoices.events.page(None, 100)
    await writer(invoices).apply(invoice_id, post())

    # The run's find, then its reservation: then it "hangs".
    with fault_after(database, 2), pytest.raises(InjectedFault):
        await invoices.events.relay.relay("demo")
    reader = store(database, clock).scoped(Scope("demo"))
    held = await reader.events.page(None, 100)
    clock.now += reader.events.relay.lease_seconds + 1
    released = await reader.events.page(None, 100)

    assert [event.seq for event, _ in held] == [1, 2]
    assert [(event.version, event.seq) for event, _ in released if event.invoiceId == invoice_id][
        -1
    ] == (2, 4)  # number 3 was the dead run's, filled as a gap
    await assert_every_version_has_one_event(database)


async def test_a_run_that_wakes_after_its_lease_expired_lands_nothing_below_done(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    slow = store(database, clock).scoped(Scope("demo"))
    invoice_id = await prepared(slow)
    await slow.events.page(None, 100)
    await writer(slow).apply(invoice_id, post())
    resume = asyncio.Event()
    original = slow.events.relay._insert

    async def stalled(records: Any) -> None:
        await resume.wait()
        await original(records)

    monkeypatch.setattr(slow.events.relay, "_insert", stalled)
    stalled_run = asyncio.create_task(slow.events.relay.relay("demo"))
    await asyncio.sleep(0.05)  # it holds the lease, its numbers reserved
    clock.now += slow.events.relay.lease_seconds + 1
    other = store(database, clock).scoped(Scope("demo"))
    seen = await other.events.page(None, 100)  # takes over: fills the gap, copies the event
    resume.set()

    assert await stalled_run == 0  # its insert refused, its release refused
    final = await other.events.page(None, 100)
    assert [event.seq for event, _ in final] == [event.seq for event, _ in seen]
    await assert_every_version_has_one_event(database)


async def test_a_reader_woken_by_a_run_that_found_events_copied_before_reads_the_feed(
    database: Database,
) -> None:
    """A dead run's events are in the feed under its numbers; the run that recovers them
    lands only the new ones: its records are not all the feed holds in its range."""
    clock = Clock()
    dead = store(database, clock).scoped(Scope("demo"))
    invoice_id = await prepared(dead)
    await dead.events.page(None, 100)
    start = [await dead.events.settled()]  # where a subscriber has read up to
    await writer(dead).apply(invoice_id, post())
    # The run's find, its reservation and its insert: then it dies, its lease held.
    with fault_after(database, 3), pytest.raises(InjectedFault):
        await dead.events.relay.relay("demo")
    clock.now += dead.events.relay.lease_seconds + 1
    recovering = store(database, clock).scoped(Scope("demo"))
    await writer(recovering).apply(invoice_id, AttributesUpdate({"tag": 1}, []))
    assert await recovering.events.relay.relay("demo") == 2

    read = await recovering.events.page(start, 100, relay=False)
    assert [event.version for event, _ in read] == [2, 3]
    relayed = recovering.events.relayed_since(start)
    assert relayed is None or [values for _, values in relayed] == [values for _, values in read]
    await assert_every_version_has_one_event(database)


@pytest.fixture
def interleaved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every database command yields to the other tasks first, in a seeded random order."""
    from store.client import Collection

    original = Collection._run
    randomness = random.Random(16)

    async def yielding(self: Collection, name: str, result: Any, *rest: Any) -> Any:
        for _ in range(randomness.randrange(3)):
            await asyncio.sleep(0)
        return await original(self, name, result, *rest)

    monkeypatch.setattr(Collection, "_run", yielding)


@pytest.mark.usefixtures("interleaved")
async def test_two_stores_writing_alternately_share_one_order(database: Database) -> None:
    """Two processes' stores on one database, their changes and reads interleaved."""
    clock = Clock()
    first = store(database, clock).scoped(Scope("demo"))
    second = store(database, clock).scoped(Scope("demo"))
    ids = []
    for number, invoices in enumerate([first, second, first, second]):
        created = await writer(invoices).create(
            fabric_invoice({"invoiceNumber": f"T-{number}", "invoiceTotal": "1.00"}, "demo")
        )
        ids.append(created.invoiceId)
    follower: list[int] = []
    writing = True

    async def change(invoices: ScopedInvoices, invoice_id: str, key: int) -> None:
        await writer(invoices).apply(invoice_id, AttributesUpdate({f"k{key}": key}, []))

    async def follow(invoices: ScopedInvoices) -> None:
        """A reader on the second store, resuming after the last number it saw."""
        while True:
            still_writing = writing
            page = await invoices.events.page([follower[-1]] if follower else None, 5)
            follower.extend(event.seq for event, _ in page)
            if not page and not still_writing:
                return

    async def write_all() -> None:
        nonlocal writing
        await asyncio.gather(
            *(change(first if key % 2 else second, ids[key % len(ids)], key) for key in range(24))
        )
        writing = False

    await asyncio.gather(write_all(), follow(second))
    final = await first.events.page(None, 1000)

    assert follower == [event.seq for event, _ in final]  # nothing skipped or repeated
    events = await assert_every_version_has_one_event(database)
    assert len(events) == 4 + 24
