"""Events recorded before the feed had sequence numbers, given their place in it (once).

The previous version wrote events to `invoice_events` without `seq`; readers show only
numbered events (store/event_feed.py). At start-up (`ensure_indexes`), until the record in
`migrations` says it is done:

1. every event without `seq` is set aside: copied, under its own `_id`, into
   `invoice_events_unnumbered`, then removed from the feed, a batch at a time;
2. per account, under the account's lease (the relay's, store/event_relay.py), numbers are
   reserved for all its set-aside events after the account's current ones, and the events
   are written in the feed's shape in their old order (time, invoiceId, version), a batch
   at a time, each batch removed from the set-aside ones once written (the last one only
   once the lease is released and `done` raised to the last number, as a relay run does:
   so an account whose run died always has events set aside, and its next run settles it).

So on a database where no process of the new version relayed before the migration, the old
events are numbered 1..n, before every new one; otherwise they follow the numbers already
given. Any step may die: set-aside copies keep their `_id` (copied twice: once), and an
event written twice is refused by the unique (account, invoiceId, version) index, leaving a
hole in the numbers, which readers skip. A batch whose lease expired is not removed from
the set-aside ones: the next run writes it again. docs/lifecycle.md ("Events").
"""

import asyncio
import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from store.client import (
    ASCENDING,
    BulkWriteError,
    Collection,
    Document,
    DuplicateKeyError,
    IndexModel,
)
from store.domain.events import event_id
from store.event_relay import DUPLICATE_KEY, LEASE_SECONDS, gap_record

MIGRATION_ID = "event-seq-1"
"""The record in the migrations collection saying every event has its number."""
BATCH = 500

EVENT_FIELDS = (
    "eventId",
    "account",
    "invoiceId",
    "channelId",
    "version",
    "type",
    "time",
    "changedFields",
    "actor",
)
OLD_ORDER = [("time", ASCENDING), ("invoiceId", ASCENDING), ("version", ASCENDING)]
"""The order the previous version's feed read an account's events in."""

_runs = itertools.count()


async def number_unnumbered_events(
    events: Collection,
    unnumbered: Collection,
    sequences: Collection,
    migrations: Collection,
    batch: int = BATCH,
    lease_seconds: float = LEASE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> int:
    """Give the events recorded without `seq` their numbers, once; how many were numbered.

    Returns early, unrecorded, when an account's lease stays held by a live run for longer
    than two leases: the next start finishes the work.
    """
    if await migrations.find_one({"_id": MIGRATION_ID}) is not None:
        return 0
    await unnumbered.create_indexes(
        [IndexModel([("account", ASCENDING), *OLD_ORDER], name="account_old_order")]
    )
    while old := await events.find({"seq": {"$exists": False}}, limit=batch):
        await _insert(unnumbered, old)
        await events.delete_many(
            {"_id": {"$in": [event["_id"] for event in old]}, "seq": {"$exists": False}}
        )
    numbered = 0
    while first := await unnumbered.find({}, {"account": 1}, limit=1):
        copied = await _number_account(
            first[0]["account"], events, unnumbered, sequences, batch, lease_seconds, clock
        )
        if copied is None:
            return numbered
        numbered += copied
    await migrations.update_one(
        {"_id": MIGRATION_ID}, {"$set": {"done": True, "events": numbered}}, upsert=True
    )
    return numbered


async def _number_account(
    account: str,
    events: Collection,
    unnumbered: Collection,
    sequences: Collection,
    batch: int,
    lease_seconds: float,
    clock: Callable[[], float],
) -> int | None:
    """Number one account's set-aside events after its current ones: how many were written
    (None: no lease, or it was lost; what is left stays set aside for the next run)."""
    run = f"migration-{os.getpid()}-{next(_runs)}"
    give_up = time.monotonic() + 2 * lease_seconds
    while True:
        count = await unnumbered.count({"account": account})
        now = clock()
        try:
            lease = await sequences.find_one_and_update(
                {"_id": account, "$or": [{"holder": None}, {"until": {"$lt": now}}]},
                {"$set": {"holder": run, "until": now + lease_seconds}, "$inc": {"next": count}},
                upsert=True,
            )
            break
        except DuplicateKeyError:  # a live run holds the lease: a relay's is short
            if time.monotonic() > give_up:
                return None
            await asyncio.sleep(0.05)
    assert lease is not None
    end = lease["next"]
    start = end - count
    # Numbers a dead run reserved and never used: filled, as a relay run fills them.
    await _insert(
        events, [gap_record(account, seq) for seq in range(lease.get("done", 0) + 1, start + 1)]
    )
    written = 0
    last: dict[str, Any] = {}
    while start + written < end:
        old = await unnumbered.find(
            {"account": account}, sort=OLD_ORDER, limit=min(batch, end - start - written)
        )
        if not old:
            break  # fewer than counted (another process's run took some): holes, skipped
        await _insert(
            events,
            [
                {**_event(record), "_id": event_id(account, seq), "seq": seq}
                for seq, record in enumerate(old, start=start + written + 1)
            ],
        )
        renewed, _ = await sequences.update_one(
            {"_id": account, "holder": run}, {"$set": {"until": clock() + lease_seconds}}
        )
        if not renewed:
            return None  # lost the lease: this batch may have landed or not, so keep it
        written += len(old)
        last = {"_id": {"$in": [record["_id"] for record in old]}}
        if start + written < end:
            await unnumbered.delete_many(last)
            last = {}
    released, _ = await sequences.update_one(
        {"_id": account, "holder": run},
        {"$set": {"done": end}, "$unset": {"holder": "", "until": ""}},
    )
    if not released:
        return None
    if last:  # kept until `done` passed it: a run that dies before leaves work for the next
        await unnumbered.delete_many(last)
    return written


def _event(record: Mapping[str, Any]) -> Document:
    """An old event in the feed's shape (without its number)."""
    return {
        field: record[field]
        for field in EVENT_FIELDS
        if field in record and not (field == "channelId" and record[field] is None)
    }


async def _insert(collection: Collection, records: Sequence[Document]) -> None:
    """Insert, where what is already there (by `_id` or by version) stays as it is."""
    if not records:
        return
    try:
        await collection.insert_many(records, ordered=False)
    except BulkWriteError as error:
        failures = error.details.get("writeErrors", [])
        if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
            raise
