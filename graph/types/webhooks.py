"""Webhook subscriptions and their deliveries (docs/webhooks.md)."""

from enum import Enum

import strawberry

from graph.types.described_enum import described_enum
from graph.types.events import ChangeType  # registered there as InvoiceEventType
from graph.types.invoice import PageInfo
from graph.types.scalars import DateTime
from store.webhook_outbox import DeliveryStatus, instant_of
from store.webhook_outbox import WebhookDelivery as StoredDelivery
from store.webhooks import WebhookSubscription as StoredSubscription

described_enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="Where a delivery stands.",
    values={
        DeliveryStatus.PENDING: "Waiting for its next attempt.",
        DeliveryStatus.DELIVERED: "The target answered 2xx.",
        DeliveryStatus.FAILED: ("Given up past the retry horizon; the subscription was disabled."),
        DeliveryStatus.PAUSED: "Its subscription is disabled; enabling it sends it again.",
    },
)


@strawberry.enum(description="Why a webhook mutation made no change.")
class WebhookErrorCode(Enum):
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT",
        description="An argument is not acceptable (URL, target address, payload document).",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="The caller's account has no subscription with this id."
    )


@strawberry.type(description="A reason a webhook mutation made no change.")
class WebhookError:
    code: WebhookErrorCode = strawberry.field(description="What kind of failure.")
    message: str = strawberry.field(description="What went wrong, and how to put it right.")
    field: str | None = strawberry.field(description="The argument at fault.")


@strawberry.type(
    description=(
        "Where and how the caller's account receives its invoice events as signed HTTP POSTs "
        "(Standard Webhooks)."
    )
)
class WebhookSubscription:
    id: strawberry.ID = strawberry.field(description="Id of the subscription.")
    url: str = strawberry.field(description="The http(s) URL each event is POSTed to.")
    eventTypes: list[ChangeType] | None = strawberry.field(
        description="The event types delivered; null: every type."
    )
    query: str | None = strawberry.field(
        description=(
            "The GraphQL query run for the changed invoice at delivery (variables "
            "{invoiceId}); its data is the body's data.payload. Null: no payload."
        )
    )
    documentId: str | None = strawberry.field(
        description="The trusted document the query was given as (sha256:<hex>), if any."
    )
    secret: str | None = strawberry.field(
        description=(
            "The signing secret (whsec_ + base64). Only in the answer of "
            "webhookSubscriptionCreate: keep it then, it is never shown again."
        )
    )
    channelId: str | None = strawberry.field(
        description=(
            "The channel of the x-site-context it was made under: only that channel's events, "
            "and its payload sees only that channel; null: every channel of the account."
        )
    )
    enabled: bool = strawberry.field(
        description="False once deliveries failed past the retry horizon (see disabledReason)."
    )
    disabledAt: DateTime | None = strawberry.field(description="When it was disabled.")
    disabledReason: str | None = strawberry.field(
        description="Why it was disabled: the event given up and the last error."
    )
    createdAt: DateTime = strawberry.field(description="When it was made.")


def as_subscription(stored: StoredSubscription, secret: str | None = None) -> WebhookSubscription:
    return WebhookSubscription(
        id=strawberry.ID(stored.id),
        url=stored.url,
        eventTypes=None if stored.eventTypes is None else list(stored.eventTypes),
        query=stored.query,
        documentId=stored.documentId,
        secret=secret,
        channelId=stored.channelId,
        enabled=stored.enabled,
        disabledAt=DateTime(stored.disabledAt) if stored.disabledAt else None,
        disabledReason=stored.disabledReason,
        createdAt=DateTime(stored.createdAt),
    )


@strawberry.type(description="One attempt to deliver an event.")
class WebhookAttempt:
    at: DateTime = strawberry.field(description="When the attempt ended.")
    statusCode: int | None = strawberry.field(
        description="The HTTP status the target answered; null when it did not answer."
    )
    error: str | None = strawberry.field(
        description="Why the attempt failed (status, timeout, connection); null on success."
    )
    durationMs: int = strawberry.field(description="How long the attempt took, in milliseconds.")


@strawberry.type(description="The event a delivery carries.")
class WebhookEvent:
    eventId: strawberry.ID = strawberry.field(
        description="The event's id: the webhook-id header of every attempt."
    )
    invoiceId: strawberry.ID = strawberry.field(description="The invoice that changed.")
    version: int = strawberry.field(description="The invoice's version after the change.")
    type: ChangeType = strawberry.field(description="The kind of change.")
    time: DateTime = strawberry.field(description="When the change was made.")


@strawberry.type(description="One event on its way to one subscription, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Id of the delivery.")
    event: WebhookEvent = strawberry.field(description="The event delivered.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    lastStatusCode: int | None = strawberry.field(
        description="The HTTP status of the latest attempt; null if it got no answer."
    )
    lastError: str | None = strawberry.field(
        description="Why the latest attempt failed; null when it succeeded or none was made."
    )
    lastAttemptAt: DateTime | None = strawberry.field(description="When the latest attempt ended.")
    nextAttemptAt: DateTime | None = strawberry.field(
        description="When the next attempt is due (PENDING only); null otherwise."
    )
    deliveredAt: DateTime | None = strawberry.field(
        description="When the target answered 2xx (DELIVERED only)."
    )
    giveUpAt: DateTime = strawberry.field(
        description="After this the delivery is given up and the subscription disabled."
    )
    attemptLog: list[WebhookAttempt] = strawberry.field(
        description="The latest attempts (at most 20), oldest first."
    )


def as_delivery(stored: StoredDelivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=strawberry.ID(stored.id),
        event=WebhookEvent(
            eventId=strawberry.ID(stored.eventId),
            invoiceId=strawberry.ID(stored.invoiceId),
            version=stored.version,
            type=ChangeType(stored.type),
            time=DateTime(stored.time),
        ),
        status=stored.status,
        attempts=stored.attempts,
        lastStatusCode=stored.lastStatusCode,
        lastError=stored.lastError,
        lastAttemptAt=DateTime(stored.lastAttemptAt) if stored.lastAttemptAt else None,
        nextAttemptAt=(
            DateTime(instant_of(stored.nextAttemptAt)) if stored.nextAttemptAt else None
        ),
        deliveredAt=DateTime(stored.deliveredAt) if stored.deliveredAt else None,
        giveUpAt=DateTime(instant_of(stored.giveUpAt)),
        attemptLog=[
            WebhookAttempt(
                at=DateTime(attempt.at),
                statusCode=attempt.statusCode,
                error=attempt.error,
                durationMs=attempt.durationMs,
            )
            for attempt in stored.attemptLog
        ],
    )


@strawberry.type(description="A delivery in a page, with the cursor to resume after it.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="A page of a subscription's deliveries, newest event first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="The deliveries of this page.")
    pageInfo: PageInfo = strawberry.field(description="Where this page stands.")
