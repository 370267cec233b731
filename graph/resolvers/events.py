"""Query.invoiceEvents: the caller's invoice changes, oldest first, a page at a time."""

from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.page_sizes import DEFAULT_EVENTS_PAGE, MAX_PAGE_SIZE
from graph.resolvers.pagination import (
    decode_cursor,
    encode_cursor,
    page_size,
)
from graph.types.events import InvoiceEvent, InvoiceEventConnection, InvoiceEventEdge
from graph.types.invoice import PageInfo
from graph.types.scalars import DateTime
from store.domain.events import EVENT_ORDER
from store.domain.events import InvoiceEvent as StoredEvent


def edge(event: StoredEvent, values: list[Any]) -> InvoiceEventEdge:
    """The edge of a stored event; its cursor holds the event's place in the feed."""
    return InvoiceEventEdge(
        cursor=encode_cursor(EVENT_ORDER, values),
        node=InvoiceEvent(
            eventId=strawberry.ID(event.eventId),
            invoiceId=strawberry.ID(event.invoiceId),
            version=event.version,
            type=event.type,
            time=DateTime(event.time),
            changedFields=event.changedFields,
            actor=event.actor,
        ),
    )


async def resolve_invoice_events(
    info: Info,
    after: Annotated[
        str | None,
        strawberry.argument(
            description="Cursor to continue after: the endCursor of the previous page."
        ),
    ] = None,
    first: Annotated[
        int | None,
        strawberry.argument(
            description=f"Page size (default {DEFAULT_EVENTS_PAGE}, at most {MAX_PAGE_SIZE})."
        ),
    ] = None,
) -> InvoiceEventConnection:
    size = page_size("first", first, DEFAULT_EVENTS_PAGE)
    start = decode_cursor("after", after, EVENT_ORDER) if after else None
    rows = await info.context.events.page(start, size + 1)
    has_more = len(rows) > size
    edges = [edge(event, values) for event, values in rows[:size]]
    page_info = PageInfo(
        hasNextPage=has_more,
        hasPreviousPage=after is not None,
        startCursor=edges[0].cursor if edges else None,
        endCursor=edges[-1].cursor if edges else None,
    )
    return InvoiceEventConnection(edges=edges, pageInfo=page_info)
