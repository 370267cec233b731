"""What the webhook mutations and queries do, for one account at a time."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema

from graph.errors import ClientError
from graph.limits.checks import LimitPolicy
from graph.persisted.requests import DOCUMENT_ID
from graph.webhooks.payload import PayloadRefused, check_payload_document
from graph.webhooks.targets import TargetPolicy, TargetRefused
from store.domain.changes import ChangeType
from store.invoices import Scope
from store.persisted_documents import PersistedDocuments
from store.webhook_outbox import WebhookDelivery, WebhookOutbox
from store.webhook_secrets import SecretBox, new_secret
from store.webhooks import ScopedSubscriptions, WebhookSubscription, WebhookSubscriptions

MAX_URL_LENGTH = 2048


class WebhooksUnavailable(ClientError):
    code = "SERVICE_UNAVAILABLE"


class InvalidWebhook(Exception):
    """A subscription we will not make: which argument, and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    secret: str
    """Shown once, in the answer of webhookSubscriptionCreate."""


class WebhookAdmin:
    """Subscriptions of accounts: made with their checks, listed, deleted, enabled again."""

    def __init__(
        self,
        subscriptions: WebhookSubscriptions,
        outbox: WebhookOutbox,
        box: SecretBox | None,
        policy: TargetPolicy,
        schema: GraphQLSchema,
        limits: LimitPolicy,
        documents: PersistedDocuments,
        horizon: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.subscriptions = subscriptions
        self.outbox = outbox
        self.box = box
        self.policy = policy
        self.schema = schema
        self.limits = limits
        self.documents = documents
        self.horizon = horizon
        self.clock = clock
        self.changed: list[Callable[[], None]] = []
        """Called after a subscription is made or enabled (the deliverer looks at once)."""

    async def create(
        self,
        scope: Scope,
        url: str,
        event_types: Sequence[ChangeType] | None,
        query: str | None,
        document_id: str | None,
        cursor: int,
    ) -> NewSubscription:
        """A new subscription, delivering the events after `cursor` (the feed's settled mark)."""
        if len(url) > MAX_URL_LENGTH:
            raise InvalidWebhook("url", f"the URL is longer than {MAX_URL_LENGTH} characters")
        try:
            await self.policy.check(url)
        except TargetRefused as refused:
            raise InvalidWebhook("url", str(refused)) from None
        if query is not None and document_id is not None:
            raise InvalidWebhook("documentId", "give the payload as 'query' or 'documentId'")
        if document_id is not None:
            query = await self._trusted(document_id)
        if query is not None:
            try:
                check_payload_document(query, self.schema, self.limits, scope.account)
            except PayloadRefused as refused:
                field = "documentId" if document_id is not None else "query"
                raise InvalidWebhook(field, str(refused)) from None
        if event_types is not None and not event_types:
            raise InvalidWebhook("eventTypes", "name at least one type, or omit eventTypes")
        types = None if event_types is None else sorted(set(event_types), key=_type_order)
        if self.box is None:
            raise WebhooksUnavailable(
                "The operator has not set INVOICEGRAPH_WEBHOOK_SECRET_KEYS, which webhook "
                "secrets are encrypted with: subscriptions cannot be made yet."
            )
        secret = new_secret()
        subscription = await self._scoped(scope).create(
            url, types, query, document_id, self.box.seal(secret), cursor
        )
        self._changed()
        return NewSubscription(subscription, secret)

    async def _trusted(self, document_id: str) -> str:
        match = DOCUMENT_ID.match(document_id)
        if match is None:
            raise InvalidWebhook(
                "documentId", "a documentId is 'sha256:' and 64 lower-case hex digits"
            )
        document = await self.documents.find(match["hex"])
        if document is None or not document.trusted:
            raise InvalidWebhook(
                "documentId",
                f"{document_id} is not a trusted document: add it to the trusted-documents "
                "manifest, or give the payload as 'query'",
            )
        return document.body

    def _scoped(self, scope: Scope) -> ScopedSubscriptions:
        return self.subscriptions.scoped(scope.account, scope.channel)

    async def of_account(self, scope: Scope) -> list[WebhookSubscription]:
        return await self._scoped(scope).all()

    async def delete(self, scope: Scope, subscription_id: str) -> bool:
        if not await self._scoped(scope).delete(subscription_id):
            return False
        await self.outbox.forget(subscription_id)
        return True

    async def enable(self, scope: Scope, subscription_id: str) -> WebhookSubscription | None:
        subscription = await self._scoped(scope).enable(subscription_id)
        if subscription is not None:
            await self.outbox.resume(subscription_id, self.clock(), self.horizon)
            self._changed()
        return subscription

    async def deliveries(
        self, scope: Scope, subscription_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[tuple[WebhookDelivery, list[Any]]] | None:
        """A page of the subscription's deliveries; None when the caller has no such one."""
        if await self._scoped(scope).get(subscription_id) is None:
            return None
        return await self.outbox.page(scope.account, subscription_id, after, limit)

    def _changed(self) -> None:
        for listener in self.changed:
            listener()


def _type_order(change_type: ChangeType) -> int:
    return list(ChangeType).index(change_type)
