"""webhookSubscriptionDelete: stop delivering to a subscription, and forget its deliveries."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.resolvers.webhook_admin import webhook_admin
from graph.types.webhooks import WebhookError, WebhookErrorCode


@strawberry.type(description="The result of webhookSubscriptionDelete.")
class WebhookSubscriptionDeletePayload:
    deletedId: strawberry.ID | None = strawberry.field(
        description="The id of the subscription deleted; null on errors."
    )
    errors: list[WebhookError] = strawberry.field(
        description="Why nothing was deleted; empty on success."
    )


async def resolve_webhook_subscription_delete(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The subscription's id.")],
) -> WebhookSubscriptionDeletePayload:
    if await webhook_admin(info).delete(info.context.invoices.scope, str(id)):
        return WebhookSubscriptionDeletePayload(deletedId=id, errors=[])
    error = WebhookError(
        code=WebhookErrorCode.NOT_FOUND,
        message=f"Your account has no webhook subscription {id!r}.",
        field="id",
    )
    return WebhookSubscriptionDeletePayload(deletedId=None, errors=[error])
