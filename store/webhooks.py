"""Webhook subscriptions of an account: where to POST its invoice events, and how far the
outbox has read the feed for each (docs/webhooks.md)."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from store.client import Database, Document
from store.collection_names import WEBHOOK_SUBSCRIPTIONS
from store.domain.changes import ChangeType
from store.domain.events import InvoiceEvent
from store.domain.instants import now_instant

SUBSCRIPTION_PREFIX = "whs_"


@dataclass(frozen=True)
class WebhookSubscription:
    """A subscription as the API shows it: never its secret."""

    id: str
    account: str
    url: str
    eventTypes: tuple[ChangeType, ...] | None
    """None: every type."""
    query: str | None
    documentId: str | None
    createdAt: str
    cursor: int
    """The feed's `seq` up to which the outbox holds this subscription's deliveries."""
    channelId: str | None = None
    """Made under an x-site-context channel: only that channel's events and invoices."""
    enabled: bool = True
    disabledAt: str | None = None
    disabledReason: str | None = None

    def wants(self, event: InvoiceEvent) -> bool:
        if self.channelId is not None and event.channelId != self.channelId:
            return False
        return self.eventTypes is None or event.type in self.eventTypes


@dataclass(frozen=True)
class SubscriptionSecret:
    """What the deliverer reads to sign: the subscription and its sealed secret."""

    subscription: WebhookSubscription
    sealed_secret: str


def _subscription(record: Document) -> WebhookSubscription:
    types = record.get("eventTypes")
    return WebhookSubscription(
        id=record["_id"],
        account=record["account"],
        url=record["url"],
        eventTypes=None if types is None else tuple(ChangeType(t) for t in types),
        query=record.get("query"),
        documentId=record.get("documentId"),
        createdAt=record["createdAt"],
        cursor=int(record.get("cursor", 0)),
        channelId=record.get("channelId"),
        enabled=bool(record.get("enabled", True)),
        disabledAt=record.get("disabledAt"),
        disabledReason=record.get("disabledReason"),
    )


class WebhookSubscriptions:
    """The webhook_subscriptions collection; the API reaches one account's through `scoped`."""

    def __init__(self, database: Database) -> None:
        self._collection = database.collection(WEBHOOK_SUBSCRIPTIONS)

    def scoped(self, account: str, channel: str | None = None) -> "ScopedSubscriptions":
        return ScopedSubscriptions(self, account, channel)

    async def enabled(self, limit: int = 10_000) -> list[WebhookSubscription]:
        """Every enabled subscription of every account (the outbox feeds them)."""
        records = await self._collection.find({"enabled": True}, {"secret": 0}, limit=limit)
        return [_subscription(record) for record in records]

    async def with_secrets(self, ids: Sequence[str]) -> dict[str, SubscriptionSecret]:
        """The subscriptions with these ids and their sealed secrets: for the deliverer only."""
        records = await self._collection.find({"_id": {"$in": list(ids)}})
        return {
            record["_id"]: SubscriptionSecret(_subscription(record), record["secret"])
            for record in records
        }

    async def advance(self, subscription_id: str, seq: int) -> None:
        """The outbox holds this subscription's deliveries up to `seq` (never moves back)."""
        await self._collection.update_one({"_id": subscription_id}, {"$max": {"cursor": seq}})

    async def disable(self, subscription_id: str, reason: str) -> bool:
        matched, _ = await self._collection.update_one(
            {"_id": subscription_id, "enabled": True},
            {"$set": {"enabled": False, "disabledAt": now_instant(), "disabledReason": reason}},
        )
        return matched > 0


class ScopedSubscriptions:
    """One account's subscriptions (one channel's, under an x-site-context channel): every
    filter names them."""

    def __init__(self, store: WebhookSubscriptions, account: str, channel: str | None) -> None:
        if not account:
            raise ValueError("webhook subscriptions need an account")
        self._collection = store._collection
        self.account = account
        self.channel = channel

    def _where(self, **conditions: Any) -> dict[str, Any]:
        where = {"account": self.account, **conditions}
        if self.channel is not None:
            where["channelId"] = self.channel
        return where

    async def create(
        self,
        url: str,
        event_types: Sequence[ChangeType] | None,
        query: str | None,
        document_id: str | None,
        sealed_secret: str,
        cursor: int,
    ) -> WebhookSubscription:
        record: dict[str, Any] = {
            "_id": SUBSCRIPTION_PREFIX + secrets.token_hex(12),
            "account": self.account,
            "url": url,
            "eventTypes": None if event_types is None else [t.value for t in event_types],
            "query": query,
            "documentId": document_id,
            "channelId": self.channel,
            "secret": sealed_secret,
            "createdAt": now_instant(),
            "cursor": cursor,
            "enabled": True,
            "disabledAt": None,
            "disabledReason": None,
        }
        await self._collection.insert_one(record)
        return _subscription(record)

    async def all(self) -> list[WebhookSubscription]:
        records = await self._collection.find(
            self._where(), {"secret": 0}, sort=[("createdAt", 1), ("_id", 1)]
        )
        return [_subscription(record) for record in records]

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        record = await self._collection.find_one(self._where(_id=subscription_id), {"secret": 0})
        return None if record is None else _subscription(record)

    async def delete(self, subscription_id: str) -> bool:
        deleted = await self._collection.delete_many(self._where(_id=subscription_id))
        return deleted > 0

    async def enable(self, subscription_id: str) -> WebhookSubscription | None:
        record = await self._collection.find_one_and_update(
            self._where(_id=subscription_id),
            {"$set": {"enabled": True, "disabledAt": None, "disabledReason": None}},
            {"secret": 0},
        )
        return None if record is None else _subscription(record)
