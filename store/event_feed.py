"""Reading the invoice event feed: the events of one account in `seq` order, up to `done`.

Every read first relays the account's pending events (store/event_relay.py), so the feed
never depends on a background task having run; then it reads the account's `done` mark
and the events after the cursor up to it.
"""

import asyncio
from collections.abc import Sequence
from typing import Any

from store.client import Database
from store.collection_names import EVENT_SEQUENCES, INVOICE_EVENTS
from store.domain.events import EVENT_ORDER, InvoiceEvent
from store.event_relay import EventRelay
from store.keyset import after_condition, key_values, mongo_sort


class EventStore:
    """The invoice_events collection of one database; reach it through `scoped`."""

    def __init__(self, database: Database, relay: EventRelay | None = None) -> None:
        self.collection = database.collection(INVOICE_EVENTS)
        self.sequences = database.collection(EVENT_SEQUENCES)
        self.relay = relay or EventRelay(database)

    def scoped(self, account: str, channel: str | None = None) -> "ScopedEvents":
        return ScopedEvents(self, account, channel)


class ScopedEvents:
    """The events of one account (and channel)."""

    def __init__(self, store: EventStore, account: str, channel: str | None) -> None:
        if not account:
            raise ValueError("events need an account")
        self._store = store
        self.relay = store.relay
        self.account = account
        self.channel = channel

    def changed(self) -> None:
        """A change of this account recorded a pending event: relay it soon."""
        self.relay.poke(self.account)

    async def settled(self) -> int:
        """The account's `done` mark: every number up to it is in the feed or never will be."""
        marks = await self._store.sequences.find_one({"_id": self.account}, {"done": 1})
        return int((marks or {}).get("done", 0))

    async def page(
        self, after: Sequence[Any] | None, limit: int, relay: bool = True
    ) -> list[tuple[InvoiceEvent, list[Any]]]:
        """Up to `limit` events after the key values `after`, each with its own key values.

        `relay=False` skips relaying first: for a reader this process's relay just woke.
        """
        if relay:
            await self.relay.settle(self.account)
        done = await self.settled()
        conditions: list[dict[str, Any]] = [
            {"account": self.account},
            {"seq": {"$lte": done}},
            {"gap": {"$ne": True}},
        ]
        if self.channel is not None:
            conditions.append({"channelId": self.channel})
        if after is not None:
            conditions.append(after_condition(EVENT_ORDER, after))
        documents = await self._store.collection.find(
            {"$and": conditions}, {"_id": 0}, sort=mongo_sort(EVENT_ORDER), limit=limit
        )
        return [
            (InvoiceEvent.model_validate(document), key_values(document, EVENT_ORDER))
            for document in documents
        ]

    def relayed_since(self, after: Sequence[Any]) -> list[tuple[InvoiceEvent, list[Any]]] | None:
        """The events after `after` up to this process's latest relay run, from that run's
        own records (no read); None when they are not all there (then read the feed)."""
        batch = self.relay.signal.latest(self.account)
        if batch is None or not batch.after <= after[0] <= batch.until:
            return None
        return [
            (
                InvoiceEvent.model_validate({k: v for k, v in record.items() if k != "_id"}),
                [record["seq"]],
            )
            for record in batch.records
            if record["seq"] > after[0]
            and (self.channel is None or record.get("channelId") == self.channel)
        ]

    def moment(self) -> asyncio.Event:
        """Set once this process next relays events of the account (FeedSignal)."""
        return self.relay.signal.moment(self.account)

    async def latest(self) -> int:
        """The number of the account's newest settled event: where "only new events" start."""
        await self.relay.settle(self.account)
        return await self.settled()
