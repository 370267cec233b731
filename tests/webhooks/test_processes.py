"""Two app instances on one database (two processes' worth of deliverers): each delivery is
attempted by one of them, under the delivery's lease, so a receiver that answers at once
gets every event exactly once."""

from collections import Counter

from store.client import open_database
from tests.conftest import ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    EVENTS,
    ReceiverFactory,
    as_key,
    create_invoices,
    subscribe,
)


async def test_two_deliverers_share_the_outbox_without_doubling(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver()
    database = open_database(None, "invoicegraph_two_deliverers")
    try:
        first = await serve_webhooks(database=database)
        second = await serve_webhooks(database=database)
        made = await subscribe(as_key(first, ADMIN_KEY), url)
        for number in range(12):
            await create_invoices([first, second][number % 2], [f"TWO-{number}"])
        events = (await second.data(EVENTS))["invoiceEvents"]["edges"]
        ids = {edge["node"]["eventId"] for edge in events}
        assert len(ids) == 12
        await hook.wait_for(ids)
        hook.verified(made["secret"])
        assert Counter(r.headers["webhook-id"] for r in hook.received) == dict.fromkeys(ids, 1)
    finally:
        await database.drop()
