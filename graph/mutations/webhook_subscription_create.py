"""webhookSubscriptionCreate: where to POST the account's invoice events, signed."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.resolvers.webhook_admin import webhook_admin
from graph.types.events import ChangeType  # registered there as InvoiceEventType
from graph.types.webhooks import (
    WebhookError,
    WebhookErrorCode,
    WebhookSubscription,
    as_subscription,
)
from graph.webhooks.admin import InvalidWebhook


@strawberry.type(description="The result of webhookSubscriptionCreate.")
class WebhookSubscriptionCreatePayload:
    webhookSubscription: WebhookSubscription | None = strawberry.field(
        description="The new subscription, with its secret (shown this once); null on errors."
    )
    errors: list[WebhookError] = strawberry.field(
        description="Why nothing was made; empty on success."
    )


async def resolve_webhook_subscription_create(
    info: Info,
    url: Annotated[
        str,
        strawberry.argument(
            description=(
                "The http(s) URL to POST to; redirects are not followed, and addresses on "
                "loopback or private networks are refused."
            )
        ),
    ],
    eventTypes: Annotated[
        list[ChangeType] | None,
        strawberry.argument(description="The event types to deliver; omitted: every type."),
    ] = None,
    query: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "A GraphQL query taking $invoiceId, run for the changed invoice at delivery "
                "as the account; its data is the body's data.payload."
            )
        ),
    ] = None,
    documentId: Annotated[
        str | None,
        strawberry.argument(
            description="A trusted document (sha256:<hex>) to use as the query instead."
        ),
    ] = None,
) -> WebhookSubscriptionCreatePayload:
    admin = webhook_admin(info)
    scope = info.context.invoices.scope
    try:
        made = await admin.create(
            scope, url, eventTypes, query, documentId, await info.context.events.latest()
        )
    except InvalidWebhook as invalid:
        error = WebhookError(
            code=WebhookErrorCode.INVALID_INPUT, message=invalid.message, field=invalid.field
        )
        return WebhookSubscriptionCreatePayload(webhookSubscription=None, errors=[error])
    return WebhookSubscriptionCreatePayload(
        webhookSubscription=as_subscription(made.subscription, made.secret), errors=[]
    )
