"""Delivery to a real receiver on loopback: failures, a timeout, then recovery.

Every event is delivered under its own webhook-id, each request verifies with the
`standardwebhooks` library, nothing of another account arrives, and a repeated id is
only ever a retry of a delivery that had not been answered 2xx.
"""

from collections import Counter

from tests.conftest import ServeFactory
from tests.webhooks.conftest import (
    ACME_WRITER_KEY,
    ADMIN_KEY,
    DELIVERIES,
    PAYLOAD,
    POST_INVOICE,
    ReceiverFactory,
    as_key,
    create_invoices,
    feed_events,
    subscribe,
)


async def test_events_reach_a_receiver_that_fails_stalls_then_recovers(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver(script=[500, "stall", 503], stall_seconds=1.0)
    client = await serve_webhooks()
    admin = as_key(client, ADMIN_KEY)
    made = await subscribe(admin, url, query=PAYLOAD)
    assert made["secret"].startswith("whsec_")

    ids = await create_invoices(client, ["W-1", "W-2"])
    await client.data(POST_INVOICE, {"id": ids[0]})
    await create_invoices(as_key(client, ACME_WRITER_KEY), ["ACME-1"])
    events = await feed_events(client, 3)
    await hook.wait_for(event["eventId"] for event in events)

    bodies = hook.verified(made["secret"])  # raises unless every signature verifies
    by_id = {event["eventId"]: event for event in events}
    assert {r.headers["webhook-id"] for r in hook.received} == set(by_id)
    for request, body in zip(hook.received, bodies, strict=True):
        event = by_id[request.headers["webhook-id"]]
        assert body["type"] == f"invoice.{event['type'].lower()}"
        assert body["data"]["event"] == event
        # The payload is the invoice as it is when the delivery runs.
        assert body["data"]["payload"]["invoice"]["invoiceId"] == event["invoiceId"]
    # Only failed attempts were repeated, and each id was answered 200 exactly once.
    answered = Counter(r.headers["webhook-id"] for r in hook.received if r.answered == 200)
    assert set(answered.values()) == {1}
    assert len(hook.received) == 3 + 3  # 500, a stall past the timeout, 503, then 3 answers

    deliveries = (await admin.data(DELIVERIES, {"id": made["id"]}))["webhookDeliveries"]
    nodes = [edge["node"] for edge in deliveries["edges"]]
    assert [node["event"]["version"] for node in nodes] == [2, 1, 1]  # newest first
    assert {node["status"] for node in nodes} == {"DELIVERED"}
    assert sum(node["attempts"] for node in nodes) == len(hook.received)
    log = [attempt for node in nodes for attempt in node["attemptLog"]]
    assert sorted(str(a["statusCode"]) for a in log) == sorted(
        ["500", "None", "503", "200", "200", "200"]
    )
    assert any(a["error"] == "no answer within 0.5 s" for a in log)
    assert all(node["nextAttemptAt"] is None and node["deliveredAt"] for node in nodes)

    metrics = await (await client.http.get("/metrics")).text()
    assert 'invoicegraph_webhook_deliveries_total{outcome="delivered"} 3.0' in metrics
    assert 'invoicegraph_webhook_deliveries_total{outcome="retried"} 3.0' in metrics
