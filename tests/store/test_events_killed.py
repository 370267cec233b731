"""No event is lost when the process making a change is killed after any of its commands.

On the MongoDB-speaking server (a database outlives a process): for each kind of change,
a child process makes it and is killed right after its n-th command, for every n; then
this process reads the feed (after the dead run's lease expired) and every version of
every invoice has exactly one event. tests/store/test_events.py does the same with
exceptions on both backends.
"""

import asyncio
import sys
import uuid

import pytest

from store.client import open_database
from store.event_feed import EventStore
from store.event_relay import EventRelay
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope
from tests.store.test_events import Clock, assert_every_version_has_one_event, prepared

pytestmark = pytest.mark.mongodb

KILLED = ["status update", "create", "ingest update"]
"""A mutation, an insert and an ingest bulk write: the three ways a change is written."""


async def killed_at(uri: str, name: str, change: str, point: int) -> int:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.store.killed_change", uri, name, change, str(point)
    )
    return await asyncio.wait_for(child.wait(), 120)


@pytest.mark.parametrize("change", KILLED)
async def test_no_event_is_lost_when_the_process_is_killed_after_any_command(
    mongodb_uri: str, change: str
) -> None:
    point = 1
    while True:
        name = f"invoicegraph_test_kill_{uuid.uuid4().hex[:8]}"
        database = open_database(mongodb_uri, name, timeout_ms=30_000)
        try:
            await ensure_indexes(database)
            await prepared(InvoiceStore(database).scoped(Scope("demo")))
            status = await killed_at(mongodb_uri, name, change, point)
            clock = Clock()
            clock.now = 10**10  # long after any lease the dead process took
            recovering = InvoiceStore(
                database, EventStore(database, EventRelay(database, clock=clock))
            ).scoped(Scope("demo"))
            await recovering.events.page(None, 100)
            await assert_every_version_has_one_event(database)
        finally:
            await database.drop()
            await database.close()
        if status == 0:  # the change and its relay run finished before this point
            assert point > 5
            return
        assert status == 9
        point += 1
