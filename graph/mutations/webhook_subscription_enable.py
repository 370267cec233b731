"""webhookSubscriptionEnable: deliver again to a subscription that was disabled."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.resolvers.webhook_admin import webhook_admin
from graph.types.webhooks import (
    WebhookError,
    WebhookErrorCode,
    WebhookSubscription,
    as_subscription,
)


@strawberry.type(description="The result of webhookSubscriptionEnable.")
class WebhookSubscriptionEnablePayload:
    webhookSubscription: WebhookSubscription | None = strawberry.field(
        description="The subscription, enabled (without its secret); null on errors."
    )
    errors: list[WebhookError] = strawberry.field(
        description="Why nothing was enabled; empty on success."
    )


async def resolve_webhook_subscription_enable(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The subscription's id.")],
) -> WebhookSubscriptionEnablePayload:
    enabled = await webhook_admin(info).enable(info.context.invoices.scope, str(id))
    if enabled is not None:
        return WebhookSubscriptionEnablePayload(
            webhookSubscription=as_subscription(enabled), errors=[]
        )
    error = WebhookError(
        code=WebhookErrorCode.NOT_FOUND,
        message=f"Your account has no webhook subscription {id!r}.",
        field="id",
    )
    return WebhookSubscriptionEnablePayload(webhookSubscription=None, errors=[error])
