"""Two app instances on one database (two processes' worth of deliverers): each delivery is
attempted by one of them, under the delivery's lease, so a receiver that answers at once
gets every event exactly once."""

from collections import Counter

from store.client import open_database
from tests.conftest import ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    ReceiverFactory,
    as_key,
    create_invoices,
    feed_events,
    subscribe,
)


async def test_two_deliverers_share_the_outbox_without_doubling(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver()
    database = open_database(None, "invoicegraph_two_deliverers")
    try:
        first = await serve_webhooks(shared_database=database)
        second = await serve_webhooks(shared_database=database)
        made = await subscribe(as_key(first, ADMIN_KEY), url)
        for number in range(12):
            await create_invoices([first, second][number % 2], [f"TWO-{number}"])
        ids = {event["eventId"] for event in await feed_events(second, 12)}
        await hook.wait_for(ids)
        hook.verified(made["secret"])
        assert Counter(r.headers["webhook-id"] for r in hook.received) == dict.fromkeys(ids, 1)
    finally:
        await database.drop()
