"""Query.webhookSubscriptions and Query.webhookDeliveries (scope admin)."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.page_sizes import MAX_PAGE_SIZE
from graph.resolvers.pagination import (
    decode_cursor,
    keyset_page,
    page_size,
)
from graph.resolvers.webhook_admin import webhook_admin
from graph.types.invoice import PageInfo
from graph.types.webhooks import (
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookSubscription,
    as_delivery,
    as_subscription,
)
from store.webhook_outbox import DELIVERY_ORDER

DEFAULT_DELIVERIES_PAGE = 20


async def resolve_webhook_subscriptions(info: Info) -> list[WebhookSubscription]:
    found = await webhook_admin(info).of_account(info.context.invoices.scope)
    return [as_subscription(subscription) for subscription in found]


async def resolve_webhook_deliveries(
    info: Info,
    subscriptionId: Annotated[
        strawberry.ID, strawberry.argument(description="The subscription's id.")
    ],
    first: Annotated[
        int | None,
        strawberry.argument(
            description=f"Page size (default {DEFAULT_DELIVERIES_PAGE}, at most {MAX_PAGE_SIZE})."
        ),
    ] = None,
    after: Annotated[
        str | None,
        strawberry.argument(description="Cursor to continue after: the previous endCursor."),
    ] = None,
) -> WebhookDeliveryConnection:
    size = page_size("first", first, DEFAULT_DELIVERIES_PAGE)
    start = decode_cursor("after", after, DELIVERY_ORDER) if after else None
    scope = info.context.invoices.scope
    rows = await webhook_admin(info).deliveries(scope, str(subscriptionId), start, size + 1)
    page = keyset_page(rows or [], DELIVERY_ORDER, size, after)
    edges = [
        WebhookDeliveryEdge(cursor=cursor, node=as_delivery(delivery))
        for delivery, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return WebhookDeliveryConnection(edges=edges, pageInfo=PageInfo(**page.page_info()))
