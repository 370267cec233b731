"""The relay: pending events out of the invoices and into the feed, numbered per account.

One relay run for an account (any process may run one; docs/lifecycle.md, "Events"):

1. find the account's invoices with pending events (one `find`);
2. take the account's lease and reserve as many sequence numbers as it found (one
   `findAndModify` on `event_sequences`: `$inc next` while no live lease is held);
3. insert the events under those numbers (one unordered `insert`); a version already in
   the feed is refused by the unique index, and that is fine: it was copied before;
4. release the lease and raise the account's `done` mark to the last number reserved
   (one update, only while the lease is still this run's);
5. remove the copied events from their invoices (one `bulkWrite` of `$pull`).

Readers show events up to `done` only. A run that dies leaves its numbers above `done`
and its events pending; once its lease expires the next run first fills the numbers it
reserved with gap records (the `_id` holds (account, seq), so a late insert of the dead
run can no longer land below `done`), then copies the events again. So no reader ever
passes a number whose event could still appear.
"""

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from store.client import (
    BulkWriteError,
    Database,
    Document,
    DuplicateKeyError,
    UpdateMany,
    shared_deadline,
)
from store.collection_names import EVENT_SEQUENCES, INVOICE_EVENTS, INVOICES
from store.domain.events import PENDING_EVENTS, event_id

DUPLICATE_KEY = 11000

LEASE_SECONDS = 10.0
"""How long a run may hold an account's lease; a run that died holds up the feed this long."""

BATCH = 500
"""Invoices with pending events copied by one run at most; the rest by the next."""

_runs = itertools.count()

T = TypeVar("T")


@dataclass(frozen=True)
class RelayedBatch:
    """What one run put in the feed: every event numbered in (after, until], nothing else.

    A reader that has seen everything up to a number in [after, until] finds the rest up to
    `until` here, without reading the feed: many subscribers of one account, one run.
    """

    after: int
    until: int
    records: tuple[Document, ...]


class FeedSignal:
    """Wakes this process's waiters when events of an account entered the feed.

    A waiter takes its account's current `moment()` before it reads the feed and waits on
    it after: events relayed in between have already set it, so none waits for nothing.
    """

    def __init__(self) -> None:
        self._moments: dict[str, asyncio.Event] = {}
        self._latest: dict[str, RelayedBatch] = {}

    def moment(self, account: str) -> asyncio.Event:
        return self._moments.setdefault(account, asyncio.Event())

    def latest(self, account: str) -> RelayedBatch | None:
        return self._latest.get(account)

    def notify(self, account: str, batch: RelayedBatch | None = None) -> None:
        """Wake the account's waiters; `batch`: what the run put in the feed, when its
        records are all the feed holds in its range (None: readers read the feed)."""
        if batch is None:
            self._latest.pop(account, None)
        else:
            latest = self._latest.get(account)
            if latest is None or latest.until < batch.until:
                self._latest[account] = batch
        moment = self._moments.pop(account, None)
        if moment is not None:
            moment.set()

    @staticmethod
    async def wait(moment: asyncio.Event, seconds: float) -> bool:
        """Until `moment` is set (True), or `seconds` pass (False: time to poll the feed)."""
        try:
            async with asyncio.timeout(seconds):
                await moment.wait()
        except TimeoutError:
            return False
        return True


class EventRelay:
    """Copies the pending events of one database's invoices into its feed."""

    def __init__(
        self,
        database: Database,
        lease_seconds: float = LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._invoices = database.collection(INVOICES)
        self._events = database.collection(INVOICE_EVENTS)
        self._sequences = database.collection(EVENT_SEQUENCES)
        self.lease_seconds = lease_seconds
        self._clock = clock
        self.signal = FeedSignal()
        self._owner = f"{os.getpid()}-{id(self):x}"
        self._wanted: set[str] = set()
        self._running = False
        self._wake = asyncio.Event()
        self._running_for: dict[str, asyncio.Event] = {}
        """Per account, set when this process's run holding its lease ends."""
        self.copied_listener: Callable[[int], None] = lambda count: None
        """Told how many events each run copied into the feed (for /metrics)."""

    def poke(self, account: str) -> None:
        """Ask the background loop (when one runs) to relay `account` soon."""
        self._wanted.add(account)
        self._wake.set()

    async def relay(self, account: str) -> int:
        """One run for `account`: the number of events it copied (0 when another run holds
        the lease: that run copies them)."""
        return await self._run(account) or 0

    async def settle(self, account: str) -> None:
        """Relay `account` for a reader. When a run of this process holds the lease, wait for
        it and relay again: a read after a write in this process then sees its event."""
        while await self._run(account) is None:
            running = self._running_for.get(account)
            if running is None:
                return  # another process's run: its events arrive with its `done`
            await running.wait()

    async def _run(self, account: str) -> int | None:
        """One run: the events copied, or None when another live run holds the lease."""
        holders = await self._invoices.find(
            {"account": account, f"{PENDING_EVENTS}.account": account},
            {"_id": 1, "invoiceId": 1, "version": 1, PENDING_EVENTS: 1},
            limit=BATCH,
        )
        events = _numbered_events(account, holders)
        if not events:
            return 0
        run = f"{self._owner}-{next(_runs)}"
        now = self._clock()
        try:
            lease = await self._sequences.find_one_and_update(
                {"_id": account, "$or": [{"holder": None}, {"until": {"$lt": now}}]},
                {
                    "$set": {"holder": run, "until": now + self.lease_seconds},
                    "$inc": {"next": len(events)},
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return None  # a live run holds the lease: it copies these too
        assert lease is not None
        ended = self._running_for[account] = asyncio.Event()
        try:
            return await self._copy(account, holders, events, run, lease)
        finally:
            ended.set()
            if self._running_for.get(account) is ended:
                del self._running_for[account]

    async def _copy(
        self,
        account: str,
        holders: list[Document],
        events: list[Document],
        run: str,
        lease: Document,
    ) -> int:
        """Steps 3 to 5 of a run that holds the account's lease."""
        end = lease["next"]
        start = end - len(events)
        done = lease.get("done", 0)
        records = [gap_record(account, seq) for seq in range(done + 1, start + 1)]
        for offset, event in enumerate(events, start=1):
            records.append(
                {"_id": event_id(account, start + offset), **event, "seq": start + offset}
            )
        refused = await self._insert(records)
        released, _ = await self._sequences.update_one(
            {"_id": account, "holder": run},
            {"$set": {"done": end}, "$unset": {"holder": "", "until": ""}},
        )
        if not released:
            return 0  # the lease expired and another run took over: it copies them
        await self._invoices.bulk_write(
            [
                UpdateMany(
                    {"_id": holder["_id"], "account": account},
                    {"$pull": {PENDING_EVENTS: {"eventId": {"$in": ids}}}},
                )
                for holder, ids in _copied_ids(holders)
            ]
        )
        self.copied_listener(len(events))
        landed = tuple(
            record
            for index, record in enumerate(records)
            if index not in refused and not record.get("gap")
        )
        # A record refused means the feed holds, in this range, events of a run that died
        # (under its own numbers): only the feed tells them, so readers read it.
        self.signal.notify(account, None if refused else RelayedBatch(done, end, landed))
        return len(events)

    async def _insert(self, records: Sequence[Document]) -> set[int]:
        """Insert the run's records; the positions of those refused as copied before."""
        try:
            await self._events.insert_many(records, ordered=False)
        except BulkWriteError as error:
            # Copied before (the version) or filled by a later run (the number): both fine.
            failures = error.details.get("writeErrors", [])
            if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
                raise
            return {failure["index"] for failure in failures}
        return set()

    async def pending_accounts(self, limit: int = BATCH) -> set[str]:
        """Accounts with events waiting in their invoices (found by the sparse index)."""
        found = await self._invoices.find(
            {f"{PENDING_EVENTS}.account": {"$exists": True}}, {"_id": 0, "account": 1}, limit=limit
        )
        return {document["account"] for document in found}

    def stop(self) -> None:
        """End `run_forever` at its next step (the caller cancels it besides)."""
        self._running = False
        self._wake.set()

    async def run_forever(self) -> None:
        """Relay the accounts this process's changes ask for (`poke`), as soon as they ask.

        No sweep: every read of the feed relays first (a query page, a subscription's poll),
        so events a process that died left pending are copied by the next reader.
        """
        self._running = True
        while self._running:
            await self._wake.wait()
            self._wake.clear()
            accounts, self._wanted = self._wanted, set()
            # Every command within a deadline: a database that stopped answering holds the
            # loop (and a shutdown waiting for it) no longer than half a lease.
            with shared_deadline(self.lease_seconds / 2):
                for account in sorted(accounts):
                    copied = await _guarded(self.relay(account), 0)
                    if copied >= BATCH:
                        self.poke(account)


async def _guarded(work: Awaitable[T], fallback: T) -> T:
    """The loop outlives a failing database: what failed stays pending for the next reader."""
    try:
        return await work
    except Exception:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # a driver may turn a cancellation into its own error: stop all the same
        logging.getLogger("invoicegraph.events").warning("event relay run failed", exc_info=True)
        return fallback


def gap_record(account: str, seq: int) -> Document:
    """The record of a number a dead run reserved and never used: readers skip it."""
    return {
        "_id": event_id(account, seq),
        "account": account,
        "seq": seq,
        "gap": True,
        "invoiceId": "",
        "version": -seq,
    }


def _numbered_events(account: str, holders: Sequence[Mapping[str, Any]]) -> list[Document]:
    """The pending events with their versions, each invoice's in version order.

    Across invoices, by time: a run's events interleave as their changes did (the time is
    raised to the invoice's previous pending one, so that version order is kept).
    """
    events: list[Document] = []
    for holder in holders:
        pending = holder.get(PENDING_EVENTS) or []
        first = holder["version"] - len(pending) + 1
        latest = ""
        for offset, record in enumerate(pending):
            latest = max(latest, record["time"])
            event = {key: value for key, value in record.items() if key != "account"}
            event.update(
                account=account,
                invoiceId=holder["invoiceId"],
                version=first + offset,
                time=latest,
            )
            events.append(event)
    events.sort(key=lambda event: (event["time"], event["invoiceId"], event["version"]))
    return events


def _copied_ids(holders: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], list[str]]]:
    return [
        (holder, [record["eventId"] for record in holder.get(PENDING_EVENTS) or []])
        for holder in holders
        if holder.get(PENDING_EVENTS)
    ]
