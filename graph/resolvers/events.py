"""Query.invoiceEvents: the caller's invoice changes, oldest first, a page at a time."""

from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.page_sizes import DEFAULT_EVENTS_PAGE, MAX_PAGE_SIZE
from graph.resolvers.pagination import (
    decode_cursor,
    encode_cursor,
    keyset_page,
    page_size,
)
from graph.types.events import InvoiceEvent, InvoiceEventConnection, InvoiceEventEdge
from graph.types.invoice import PageInfo
from graph.types.scalars import DateTime
from store.domain.events import EVENT_ORDER
from store.domain.events import InvoiceEvent as StoredEvent


def edge(event: StoredEvent, values: list[Any]) -> InvoiceEventEdge:
    """The edge of a stored event; its cursor holds the event's place in the feed."""
    return InvoiceEventEdge(cursor=encode_cursor(EVENT_ORDER, values), node=as_event(event))


def as_event(event: StoredEvent) -> InvoiceEvent:
    return InvoiceEvent(
        eventId=strawberry.ID(event.eventId),
        invoiceId=strawberry.ID(event.invoiceId),
        version=event.version,
        type=event.type,
        time=DateTime(event.time),
        changedFields=event.changedFields,
        actor=event.actor,
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
    page = keyset_page(await info.context.events.page(start, size + 1), EVENT_ORDER, size, after)
    edges = [
        InvoiceEventEdge(cursor=cursor, node=as_event(event))
        for event, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return InvoiceEventConnection(edges=edges, pageInfo=PageInfo(**page.page_info()))
