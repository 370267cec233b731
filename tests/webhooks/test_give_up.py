"""Past the horizon a delivery is given up and its subscription disabled, with the reason;
enabled again, its paused deliveries and the events since are delivered."""

import asyncio

from tests.conftest import ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    DELIVERIES,
    ENABLE,
    SUBSCRIPTIONS,
    ReceiverFactory,
    as_key,
    create_invoices,
    feed_events,
    subscribe,
)


async def test_a_failing_target_is_disabled_and_can_be_enabled_again(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver(otherwise=503)
    client = await serve_webhooks(webhook_give_up_seconds=0.6)
    admin = as_key(client, ADMIN_KEY)
    made = await subscribe(admin, url)
    await create_invoices(client, ["G-1", "G-2"])

    async with asyncio.timeout(20):
        while True:
            [listed] = (await admin.data(SUBSCRIPTIONS))["webhookSubscriptions"]
            if not listed["enabled"]:
                break
            await asyncio.sleep(0.05)
    assert "was not delivered within" in listed["disabledReason"]
    assert "answered HTTP 503" in listed["disabledReason"]
    nodes = [
        edge["node"]
        for edge in (await admin.data(DELIVERIES, {"id": made["id"]}))["webhookDeliveries"]["edges"]
    ]
    statuses = sorted(node["status"] for node in nodes)
    assert "FAILED" in statuses
    assert set(statuses) <= {"FAILED", "PAUSED"}
    assert all(node["lastStatusCode"] == 503 for node in nodes if node["attempts"])
    metrics = await (await client.http.get("/metrics")).text()
    assert 'invoicegraph_webhook_deliveries_total{outcome="gave_up"}' in metrics

    tried = len(hook.received)
    await create_invoices(client, ["G-3"])  # while disabled: kept for later, not sent
    await asyncio.sleep(0.3)
    assert len(hook.received) == tried

    hook.otherwise = 200
    enabled = (await admin.data(ENABLE, {"id": made["id"]}))["webhookSubscriptionEnable"]
    assert enabled == {"webhookSubscription": {"enabled": True}, "errors": []}
    events = await feed_events(client, 3)
    failed = {node["event"]["eventId"] for node in nodes if node["status"] == "FAILED"}
    await hook.wait_for({event["eventId"] for event in events} - failed)
    hook.verified(made["secret"])
