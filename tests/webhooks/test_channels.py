"""A subscription made under an x-site-context channel gets only that channel's events, its
payload sees only that channel, and callers narrowed to another channel do not see it."""

import json
from typing import Any

from tests.conftest import GraphQLClient, ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    CREATE_SUBSCRIPTION,
    SUBSCRIPTIONS,
    ReceiverFactory,
    as_key,
    feed_events,
)

CREATE_IN_CHANNEL = """
mutation Create($number: String!, $channel: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", channelId: $channel}) {
    invoice { invoiceId } errors { code message }
  }
}
"""
RELATED_PAYLOAD = """
query Payload($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) { invoiceNumber channelId }
  invoices(first: 10) { edges { node { invoiceNumber } } }
}
"""


async def post_in(
    client: GraphQLClient, channel: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**client.headers(), "x-site-context": json.dumps({"channel": channel})},
    )
    body = await response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_a_channel_subscription_stays_in_its_channel(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver()
    client = await serve_webhooks()
    admin = as_key(client, ADMIN_KEY)
    answer = await post_in(admin, "1", CREATE_SUBSCRIPTION, {"url": url, "query": RELATED_PAYLOAD})
    made = answer["webhookSubscriptionCreate"]["webhookSubscription"]
    assert made["channelId"] == "1"
    for number, channel in [("C1-A", "1"), ("C2-A", "2"), ("C1-B", "1")]:
        await client.data(CREATE_IN_CHANNEL, {"number": number, "channel": channel})
    events = await feed_events(client, 3)
    in_channel_one = {events[0]["eventId"], events[2]["eventId"]}
    await hook.wait_for(in_channel_one)
    await post_in(client, "1", CREATE_IN_CHANNEL, {"number": "C1-C", "channel": "1"})
    last = (await feed_events(client, 4))[-1]["eventId"]
    await hook.wait_for({last})

    bodies = hook.verified(made["secret"])
    assert {r.headers["webhook-id"] for r in hook.received} == in_channel_one | {last}
    for body in bodies:
        payload = body["data"]["payload"]
        assert payload["invoice"]["channelId"] == "1"
        numbers = {edge["node"]["invoiceNumber"] for edge in payload["invoices"]["edges"]}
        assert "C2-A" not in numbers

    listed = (await admin.data(SUBSCRIPTIONS))["webhookSubscriptions"]
    assert [s["id"] for s in listed] == [made["id"]]  # the account sees every channel's
    other = await post_in(admin, "2", SUBSCRIPTIONS, {})
    assert other["webhookSubscriptions"] == []
