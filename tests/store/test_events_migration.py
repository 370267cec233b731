"""Events recorded before the feed had numbers get their place in it, once (store/event_migration).

Old-shape events (no `seq`, an ObjectId `_id`) are inserted directly; after the migration the
feed shows each exactly once, in the old order (time, invoiceId, version), then new ones.
"""

from typing import Any

import pytest
from bson import ObjectId

from seeds.fabric import fabric_invoice
from store.client import Database
from store.collection_names import EVENT_SEQUENCES, INVOICE_EVENTS, MIGRATIONS, UNNUMBERED_EVENTS
from store.event_feed import EventStore
from store.event_migration import MIGRATION_ID, number_unnumbered_events
from store.event_relay import EventRelay
from store.indexes import ensure_indexes
from store.invoice_writer import InvoiceWriter
from store.invoices import InvoiceStore, Scope
from tests.conftest import ServeFactory
from tests.store.test_events import Clock, fault_after

# (account, invoiceId, version, time), inserted out of order; two share a time.
OLD = [
    ("demo", "B", 2, "2024-01-03T00:00:00Z"),
    ("demo", "A", 1, "2024-01-01T00:00:00Z"),
    ("acme", "X", 1, "2024-01-02T00:00:00Z"),
    ("demo", "B", 1, "2024-01-02T00:00:00Z"),
    ("demo", "A", 2, "2024-01-02T00:00:00Z"),
    ("demo", "A", 3, "2024-01-04T00:00:00Z"),
]
DEMO_ORDER = [("A", 1), ("A", 2), ("B", 1), ("B", 2), ("A", 3)]


def old_event(account: str, invoice_id: str, version: int, at: str) -> dict[str, Any]:
    """An event as the previous version wrote it: no `seq`, its own kind of `_id`."""
    return {
        "_id": ObjectId(),
        "eventId": f"{invoice_id}-{version}",
        "account": account,
        "invoiceId": invoice_id,
        "version": version,
        "type": "CREATE" if version == 1 else "STATUS_UPDATE",
        "time": at,
        "changedFields": [] if version == 1 else ["invoiceStatus"],
        "actor": "old",
        "channelId": None if invoice_id == "B" else "web",
    }


async def insert_old(database: Database) -> None:
    await database.collection(MIGRATIONS).delete_many({"_id": MIGRATION_ID})
    await database.collection(INVOICE_EVENTS).insert_many([old_event(*row) for row in OLD])


async def migrate(database: Database, clock: Clock | None = None, batch: int = 2) -> int:
    return await number_unnumbered_events(
        database.collection(INVOICE_EVENTS),
        database.collection(UNNUMBERED_EVENTS),
        database.collection(EVENT_SEQUENCES),
        database.collection(MIGRATIONS),
        batch=batch,
        clock=clock or Clock(),
    )


async def feed(database: Database, account: str = "demo") -> list[tuple[str, int, int]]:
    page = await EventStore(database).scoped(account).page(None, 100)
    return [(event.invoiceId, event.version, event.seq) for event, _ in page]


async def stored(database: Database) -> list[dict[str, Any]]:
    """Every record of the feed's collection, gaps included, without their `_id`s."""
    return await database.collection(INVOICE_EVENTS).find({}, {"_id": 0}, sort=[("_id", 1)])


async def test_old_events_come_first_in_their_old_order_then_new_ones(database: Database) -> None:
    await insert_old(database)
    assert await feed(database) == []  # invisible before the migration

    await ensure_indexes(database)

    mine = await feed(database)
    assert mine == [(i, v, seq) for seq, (i, v) in enumerate(DEMO_ORDER, start=1)]
    assert await feed(database, "acme") == [("X", 1, 1)]
    assert await database.collection(INVOICE_EVENTS).count({"seq": {"$exists": False}}) == 0
    assert await database.collection(UNNUMBERED_EVENTS).count({}) == 0
    [record] = await database.collection(MIGRATIONS).find({"_id": MIGRATION_ID})
    assert record == {"_id": MIGRATION_ID, "done": True, "events": len(OLD)}
    page = await EventStore(database).scoped("demo", "web").page(None, 100)
    assert [(event.invoiceId, event.channelId) for event, _ in page] == [("A", "web")] * 3
    before = await stored(database)

    await ensure_indexes(database)  # recorded: not run again
    await database.collection(MIGRATIONS).delete_many({})
    assert await migrate(database) == 0  # run again anyway: nothing left to number
    assert await stored(database) == before

    invoices = InvoiceStore(database, EventStore(database, EventRelay(database))).scoped(
        Scope("demo")
    )
    created = await InvoiceWriter(invoices, "new").create(
        fabric_invoice({"invoiceNumber": "N-1", "invoiceTotal": "1.00"}, "demo")
    )
    assert await feed(database) == [*mine, (created.invoiceId, 1, len(DEMO_ORDER) + 1)]


async def test_old_events_follow_events_a_new_process_numbered_first(database: Database) -> None:
    """A process of the new version relayed before the migration ran: old events follow."""
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    created = await InvoiceWriter(invoices, "new").create(
        fabric_invoice({"invoiceNumber": "N-1", "invoiceTotal": "1.00"}, "demo")
    )
    assert await feed(database) == [(created.invoiceId, 1, 1)]
    await insert_old(database)

    assert await migrate(database) == len(OLD)

    assert await feed(database) == [
        (created.invoiceId, 1, 1),
        *[(i, v, seq) for seq, (i, v) in enumerate(DEMO_ORDER, start=2)],
    ]


async def test_a_migration_that_dies_after_any_command_is_finished_by_the_next(
    database: Database,
) -> None:
    """Killed (an exception) after each command in turn, then run again with the dead run's
    lease expired: every old event in the feed once, in the old order, nothing set aside."""
    await insert_old(database)
    counted: list[str] = []
    database.commands.listeners.append(lambda name, _: counted.append(name))
    await migrate(database)
    database.commands.listeners.pop()
    assert len(counted) > 10
    expected = [(i, v) for i, v in DEMO_ORDER]
    for commands in range(1, len(counted)):
        for name in (INVOICE_EVENTS, UNNUMBERED_EVENTS, EVENT_SEQUENCES):
            await database.collection(name).delete_many({})
        await insert_old(database)
        clock = Clock()
        with pytest.raises(Exception, match="after command"), fault_after(database, commands):
            await migrate(database, clock)
        clock.now += 60  # the dead run's lease expired

        await migrate(database, clock)

        mine = await feed(database)
        assert [(i, v) for i, v, _ in mine] == expected, commands
        assert [(i, v) for i, v, _ in await feed(database, "acme")] == [("X", 1)], commands
        assert await database.collection(UNNUMBERED_EVENTS).count({}) == 0, commands
        assert await database.collection(INVOICE_EVENTS).count({"seq": {"$exists": False}}) == 0


EVENTS = """
query Events($after: String) {
  invoiceEvents(after: $after, first: 3) {
    edges { node { invoiceId version } }
    pageInfo { endCursor hasNextPage }
  }
}
"""


async def test_a_served_app_migrates_at_start_up_and_serves_old_events(
    database: Database, serve: ServeFactory
) -> None:
    await insert_old(database)

    client = await serve(shared_database=database)  # its start-up runs the migration

    seen: list[tuple[str, int]] = []
    after = None
    while True:
        found = (await client.data(EVENTS, {"after": after}))["invoiceEvents"]
        seen += [(edge["node"]["invoiceId"], edge["node"]["version"]) for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert seen == DEMO_ORDER
