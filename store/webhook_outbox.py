"""The webhook outbox: one delivery per (subscription, event), kept until it is delivered.

Fed from the event feed (graph/webhooks/deliverer.py); a delivery's `_id` is
(subscription, eventId), so feeding the same event twice (two processes, or one that died
between inserting and recording its cursor) stores it once. A process attempts a delivery
only while it holds the delivery's lease (`leaseUntil`, `leaseHolder`), taken by one
conditional `findAndModify`: across processes, one attempt at a time. Times used in
conditions are seconds since the epoch; the API shows them as instants.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from store.client import BulkWriteError, Database, Document, UpdateMany
from store.collection_names import WEBHOOK_DELIVERIES
from store.domain.events import InvoiceEvent
from store.domain.instants import instant_to_datetime, parse_instant
from store.keyset import SortKey, after_condition, key_values, mongo_sort

DUPLICATE_KEY = 11000
ATTEMPTS_KEPT = 20
"""The latest attempts a delivery keeps in its log (its count goes on)."""

DELIVERY_ORDER = (SortKey("seq", descending=True, value_type=int),)
"""Listing order: newest event first (one delivery per event and subscription)."""


class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    PAUSED = "PAUSED"


@dataclass(frozen=True)
class Attempt:
    at: str
    statusCode: int | None
    error: str | None
    durationMs: int


@dataclass(frozen=True)
class WebhookDelivery:
    """One event on its way to one subscription."""

    id: str
    subscriptionId: str
    account: str
    eventId: str
    invoiceId: str
    version: int
    type: str
    time: str
    seq: int
    status: DeliveryStatus
    attempts: int
    enqueuedAt: float
    giveUpAt: float
    nextAttemptAt: float | None
    lastStatusCode: int | None = None
    lastError: str | None = None
    lastAttemptAt: str | None = None
    deliveredAt: str | None = None
    attemptLog: tuple[Attempt, ...] = ()


def instant_of(seconds: float) -> str:
    """Epoch seconds as the store's canonical instant text."""
    return parse_instant(datetime.fromtimestamp(seconds, UTC))


def _delivery(record: Document) -> WebhookDelivery:
    event = record["event"]
    status = DeliveryStatus(record["status"])
    return WebhookDelivery(
        id=record["_id"],
        subscriptionId=record["subscriptionId"],
        account=record["account"],
        eventId=event["eventId"],
        invoiceId=event["invoiceId"],
        version=event["version"],
        type=event["type"],
        time=event["time"],
        seq=record["seq"],
        status=status,
        attempts=record.get("attempts", 0),
        enqueuedAt=record["enqueuedAt"],
        giveUpAt=record["giveUpAt"],
        nextAttemptAt=record["nextAttemptAt"] if status is DeliveryStatus.PENDING else None,
        lastStatusCode=record.get("lastStatusCode"),
        lastError=record.get("lastError"),
        lastAttemptAt=record.get("lastAttemptAt"),
        deliveredAt=record.get("deliveredAt"),
        attemptLog=tuple(Attempt(**attempt) for attempt in record.get("attemptLog") or ()),
    )


class WebhookOutbox:
    """The webhook_deliveries collection."""

    def __init__(self, database: Database, keep_seconds: float = 7 * 86_400) -> None:
        self._collection = database.collection(WEBHOOK_DELIVERIES)
        self.keep_seconds = keep_seconds
        """How long a delivered or given-up delivery stays visible before MongoDB removes it
        (the `expireAt` TTL index)."""

    async def enqueue(
        self,
        subscription_id: str,
        account: str,
        events: Sequence[InvoiceEvent],
        now: float,
        horizon: float,
    ) -> int:
        """Store a delivery of each event (the ones already stored stay as they are)."""
        if not events:
            return 0
        records = [
            {
                "_id": f"{subscription_id}:{event.eventId}",
                "subscriptionId": subscription_id,
                "account": account,
                "event": {
                    "eventId": event.eventId,
                    "invoiceId": event.invoiceId,
                    "version": event.version,
                    "type": event.type.value,
                    "time": event.time,
                },
                "seq": event.seq,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "enqueuedAt": now,
                "giveUpAt": now + horizon,
                "nextAttemptAt": now,
                "leaseUntil": 0.0,
                "leaseHolder": None,
            }
            for event in events
        ]
        try:
            await self._collection.insert_many(records, ordered=False)
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
                raise
            return len(records) - len(failures)
        return len(records)

    async def due(self, now: float, limit: int) -> list[str]:
        """Ids of pending deliveries whose time has come and whose lease is free, oldest first."""
        records = await self._collection.find(
            {
                "status": DeliveryStatus.PENDING.value,
                "nextAttemptAt": {"$lte": now},
                "leaseUntil": {"$lt": now},
            },
            {"_id": 1},
            sort=[("nextAttemptAt", 1), ("seq", 1)],
            limit=limit,
        )
        return [record["_id"] for record in records]

    async def claim(
        self, delivery_id: str, holder: str, now: float, lease: float
    ) -> WebhookDelivery | None:
        """Take the delivery's lease for one attempt; None when another process holds it or
        it is no longer due."""
        record = await self._collection.find_one_and_update(
            {
                "_id": delivery_id,
                "status": DeliveryStatus.PENDING.value,
                "nextAttemptAt": {"$lte": now},
                "leaseUntil": {"$lt": now},
            },
            {"$set": {"leaseUntil": now + lease, "leaseHolder": holder}},
        )
        return None if record is None else _delivery(record)

    async def record_attempt(
        self,
        delivery_id: str,
        holder: str,
        attempt: Attempt,
        next_attempt_at: float | None,
        delivered: bool,
    ) -> bool:
        """Record an attempt made under the lease: delivered, retried at `next_attempt_at`, or
        given up (neither). False when the lease was lost meanwhile (nothing recorded)."""
        if delivered:
            status = DeliveryStatus.DELIVERED
        elif next_attempt_at is None:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        fields: dict[str, Any] = {
            "status": status.value,
            "leaseUntil": 0.0,
            "leaseHolder": None,
            "lastStatusCode": attempt.statusCode,
            "lastError": attempt.error,
            "lastAttemptAt": attempt.at,
        }
        if next_attempt_at is not None:
            fields["nextAttemptAt"] = next_attempt_at
        else:  # settled: kept for webhookDeliveries, then removed by the TTL index
            fields["expireAt"] = datetime.fromtimestamp(
                instant_to_datetime(attempt.at).timestamp() + self.keep_seconds, UTC
            )
        if delivered:
            fields["deliveredAt"] = attempt.at
        matched, _ = await self._collection.update_one(
            {"_id": delivery_id, "leaseHolder": holder},
            {
                "$set": fields,
                "$inc": {"attempts": 1},
                "$push": {"attemptLog": {"$each": [attempt.__dict__], "$slice": -ATTEMPTS_KEPT}},
            },
        )
        return matched > 0

    async def release(self, delivery_id: str, holder: str) -> None:
        """Give the lease back without an attempt (the process is stopping)."""
        await self._collection.update_one(
            {"_id": delivery_id, "leaseHolder": holder},
            {"$set": {"leaseUntil": 0.0, "leaseHolder": None}},
        )

    async def pause(self, subscription_id: str) -> int:
        """The subscription is disabled: its pending deliveries wait until it is enabled."""
        result = await self._collection.bulk_write(
            [
                UpdateMany(
                    {"subscriptionId": subscription_id, "status": DeliveryStatus.PENDING.value},
                    {"$set": {"status": DeliveryStatus.PAUSED.value}},
                )
            ]
        )
        return int(result.modified_count)

    async def resume(self, subscription_id: str, now: float, horizon: float) -> int:
        """Enabled again: paused deliveries are due now, with a new horizon."""
        result = await self._collection.bulk_write(
            [
                UpdateMany(
                    {"subscriptionId": subscription_id, "status": DeliveryStatus.PAUSED.value},
                    {
                        "$set": {
                            "status": DeliveryStatus.PENDING.value,
                            "nextAttemptAt": now,
                            "giveUpAt": now + horizon,
                        }
                    },
                )
            ]
        )
        return int(result.modified_count)

    async def forget(self, subscription_id: str) -> int:
        """The subscription is deleted: so are its deliveries."""
        return await self._collection.delete_many({"subscriptionId": subscription_id})

    async def page(
        self, account: str, subscription_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[tuple[WebhookDelivery, list[Any]]]:
        """A subscription's deliveries, newest event first, each with its key values."""
        conditions: list[dict[str, Any]] = [
            {"account": account},
            {"subscriptionId": subscription_id},
        ]
        if after is not None:
            conditions.append(after_condition(DELIVERY_ORDER, after))
        records = await self._collection.find(
            {"$and": conditions}, sort=mongo_sort(DELIVERY_ORDER), limit=limit
        )
        return [(_delivery(record), key_values(record, DELIVERY_ORDER)) for record in records]

    async def oldest_pending(self) -> float | None:
        """When the oldest delivery still pending was stored (epoch seconds), if any."""
        records = await self._collection.find(
            {"status": DeliveryStatus.PENDING.value},
            {"enqueuedAt": 1},
            sort=[("enqueuedAt", 1)],
            limit=1,
        )
        return float(records[0]["enqueuedAt"]) if records else None
