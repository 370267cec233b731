"""Subscription.invoiceEvents: the caller's feed from a cursor, then each new event live.

It reads the feed itself (never only this process's own changes): a page after the last
event it delivered, then a wait until this process relays events of the account or the
poll interval passes (other processes' events), then the next page. So it delivers exactly
what `Query.invoiceEvents` walked page by page would, with the same cursors.
"""

import asyncio
import time
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.dataloaders import Loaders
from graph.errors import ClientError
from graph.resolvers.events import edge
from graph.resolvers.pagination import decode_cursor
from graph.types.events import InvoiceEventEdge
from store.domain.events import EVENT_ORDER
from store.event_relay import FeedSignal

PAGE = 100
"""Events read from the feed at a time while catching up."""


async def subscribe_invoice_events(
    info: Info,
    after: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "Cursor to resume after: the cursor of the last edge received (from this "
                "subscription or Query.invoiceEvents). Omitted: only events from now on."
            )
        ),
    ] = None,
) -> AsyncGenerator[InvoiceEventEdge, None]:
    context = info.context
    live = context.live
    if live is None:
        raise ClientError("Subscriptions run over a WebSocket (graphql-transport-ws) only.")
    feed = context.events
    start: list[Any] = (
        decode_cursor("after", after, EVENT_ORDER) if after else [await feed.latest()]
    )
    limits = context.limits
    woken = False
    while True:
        await live.check_key()  # a revoked key ends the subscription (graph/http/key_watch.py)
        moment = feed.moment()
        # Woken by this process's relay: it just ran. Otherwise relay first: the events of
        # a process that died are copied by whoever reads.
        relayed = feed.relayed_since(start) if woken else None
        rows = relayed if relayed is not None else await feed.page(start, PAGE, relay=not woken)
        for event, values in rows:
            # Each event is checked like the query feed's (ScopedEvents reads one account,
            # one channel); this guards the stream against any store defect besides.
            if event.account != context.api_key.account:
                raise RuntimeError("an event of another account reached a subscription")
            if limits is not None:
                wait = limits.charge_event()
                while wait is not None:
                    await asyncio.sleep(wait)
                    wait = limits.charge_event()
            await live.check_key()  # cached: a command only once per key cache period
            # A fresh loader per event: `invoice` is the invoice as it is now, not as cached.
            context.loaders = Loaders(context.invoices)
            live.delivered(_lag(event.time))
            yield edge(event, values)
            start = values
        woken = False
        if relayed is not None or len(rows) < PAGE:
            woken = await FeedSignal.wait(moment, live.poll_seconds)


def _lag(instant: str) -> float:
    """Seconds from the change to now (0 when the clocks of two servers disagree)."""
    try:
        changed = datetime.fromisoformat(instant[:26] + "+00:00")  # canonical UTC text
    except ValueError:
        return 0.0
    return max(0.0, time.time() - changed.timestamp())
