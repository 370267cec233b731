"""The invoice event feed: one record per change, for partners to follow changes in order.

Each event carries the version the change gave its invoice, and a unique index on
(account, invoiceId, version) makes a second record of one version impossible. The
feed is ordered by (time, invoiceId, version); an event's time is the invoice's change
clock after the change (store.invoices.CHANGE_CLOCK), which never goes backwards for
one invoice, so each invoice's events come in version order. docs/lifecycle.md.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from store.changes import ChangeType
from store.client import Database
from store.indexes import INVOICE_EVENTS
from store.instants import Instant
from store.keyset import SortKey, after_condition, key_values, mongo_sort

EVENT_ORDER = (
    SortKey("time", value_type=str),
    SortKey("invoiceId", value_type=str),
    SortKey("version", value_type=int),
)
"""The feed's total order; the last two keys are unique per account."""


class InvoiceEvent(BaseModel):
    """One change to one invoice, as the feed reports it."""

    model_config = ConfigDict(extra="forbid")

    eventId: str = Field(min_length=1)
    account: str = Field(min_length=1)
    invoiceId: str = Field(min_length=1)
    channelId: str | None = None
    version: int = Field(ge=1)
    type: ChangeType
    time: Instant
    changedFields: list[str]
    actor: str


class ChangesInFlight:
    """The changes of this process between their invoice update and their event record.

    An event's time is at least its change's start, so an event before the earliest
    start still in flight can no longer be preceded by one recorded later: the feed
    shows events up to that horizon only.
    """

    def __init__(self) -> None:
        self._started: Counter[str] = Counter()

    @contextmanager
    def track(self, started: str) -> Iterator[None]:
        self._started[started] += 1
        try:
            yield
        finally:
            self._started[started] -= 1
            if not self._started[started]:
                del self._started[started]

    def horizon(self) -> str | None:
        """The earliest start still in flight, or None when no change is."""
        return min(self._started) if self._started else None


class EventStore:
    """The invoice_events collection of one database; reach it through `scoped`."""

    def __init__(self, database: Database) -> None:
        self._collection = database.collection(INVOICE_EVENTS)
        self.in_flight = ChangesInFlight()

    def scoped(self, account: str, channel: str | None = None) -> "ScopedEvents":
        return ScopedEvents(self._collection, self.in_flight, account, channel)


class ScopedEvents:
    """The events of one account (and channel)."""

    def __init__(
        self, collection: Any, in_flight: ChangesInFlight, account: str, channel: str | None
    ) -> None:
        if not account:
            raise ValueError("events need an account")
        self._collection = collection
        self.in_flight = in_flight
        self.account = account
        self.channel = channel

    def _check_scope(self, event: InvoiceEvent) -> None:
        if event.account != self.account:
            raise ValueError(f"event of invoice {event.invoiceId} belongs to another account")
        if self.channel is not None and event.channelId != self.channel:
            raise ValueError(f"event of invoice {event.invoiceId} is outside the channel")

    async def record(self, event: InvoiceEvent) -> None:
        self._check_scope(event)
        await self._collection.insert_one(event.model_dump(mode="json", exclude_none=True))

    async def record_many(self, events: Sequence[InvoiceEvent]) -> None:
        """Several events in one command (the updates of one ingest batch)."""
        for event in events:
            self._check_scope(event)
        if events:
            await self._collection.insert_many(
                [event.model_dump(mode="json", exclude_none=True) for event in events]
            )

    async def page(
        self, after: Sequence[Any] | None, limit: int
    ) -> list[tuple[InvoiceEvent, list[Any]]]:
        """Up to `limit` events after the key values `after`, each with its own key values."""
        conditions: list[dict[str, Any]] = [{"account": self.account}]
        if self.channel is not None:
            conditions.append({"channelId": self.channel})
        if after is not None:
            conditions.append(after_condition(EVENT_ORDER, after))
        horizon = self.in_flight.horizon()
        if horizon is not None:
            conditions.append({"time": {"$lt": horizon}})
        documents = await self._collection.find(
            {"$and": conditions}, {"_id": 0}, sort=mongo_sort(EVENT_ORDER), limit=limit
        )
        return [
            (InvoiceEvent.model_validate(document), key_values(document, EVENT_ORDER))
            for document in documents
        ]
