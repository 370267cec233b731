"""Fixtures: an app that delivers webhooks quickly, a loopback receiver, GraphQL helpers."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from invoicegraph.settings import ApiKeyConfig
from tests.conftest import TEST_KEYS, GraphQLClient, ServeFactory
from tests.webhooks.receiver import Receiver

ADMIN_KEY = "demo-admin-key"
ACME_WRITER_KEY = "acme-writer-key"
WEBHOOK_KEYS = [
    *TEST_KEYS,
    ApiKeyConfig(key=ADMIN_KEY, account="demo", scopes=["admin"], name="demo-admin"),
    ApiKeyConfig(key="acme-admin-key", account="acme", scopes=["admin"], name="acme-admin"),
    ApiKeyConfig(key=ACME_WRITER_KEY, account="acme", scopes=["write"], name="acme-writer"),
]
FAST = {
    "api_keys": WEBHOOK_KEYS,
    "webhook_allow_private_targets": True,
    "webhook_timeout_seconds": 0.5,
    "webhook_retry_first_seconds": 0.2,
    "webhook_retry_max_seconds": 1.0,
    "webhook_poll_seconds": 0.05,
    "webhook_lease_seconds": 3.0,
}
"""Delivery in tenths of seconds, to loopback receivers."""

CREATE_SUBSCRIPTION = """
mutation Subscribe($url: String!, $types: [InvoiceEventType!], $query: String, $doc: String) {
  webhookSubscriptionCreate(url: $url, eventTypes: $types, query: $query, documentId: $doc) {
    webhookSubscription { id url eventTypes secret enabled channelId }
    errors { code message field }
  }
}
"""
PAYLOAD = """
query Payload($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) { invoiceId invoiceNumber version statusCode }
}
"""
CREATE_INVOICE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", invoiceStatus: ISSUED}) {
    invoice { invoiceId }
    errors { code message }
  }
}
"""
POST_INVOICE = """
mutation Post($id: ID!) { invoicePost(invoiceId: $id) { errors { code message } } }
"""
EVENTS = """
query { invoiceEvents(first: 100) { edges { node { eventId invoiceId version type } } } }
"""
DELIVERIES = """
query Deliveries($id: ID!, $first: Int, $after: String) {
  webhookDeliveries(subscriptionId: $id, first: $first, after: $after) {
    edges {
      cursor
      node {
        event { eventId invoiceId version type }
        status attempts lastStatusCode lastError nextAttemptAt deliveredAt
        attemptLog { statusCode error }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SUBSCRIPTIONS = "query { webhookSubscriptions { id url secret enabled disabledReason } }"
ENABLE = """
mutation Enable($id: ID!) {
  webhookSubscriptionEnable(id: $id) { webhookSubscription { enabled } errors { code } }
}
"""


def as_key(client: GraphQLClient, key: str) -> GraphQLClient:
    return GraphQLClient(client.http, key)


async def subscribe(admin: GraphQLClient, url: str, **variables: Any) -> dict[str, Any]:
    data = await admin.data(CREATE_SUBSCRIPTION, {"url": url, **variables})
    answer: dict[str, Any] = data["webhookSubscriptionCreate"]
    assert answer["errors"] == [], answer["errors"]
    made: dict[str, Any] = answer["webhookSubscription"]
    return made


async def create_invoices(writer: GraphQLClient, numbers: list[str]) -> list[str]:
    ids = []
    for number in numbers:
        data = await writer.data(CREATE_INVOICE, {"number": number})
        ids.append(data["invoiceCreate"]["invoice"]["invoiceId"])
    return ids


async def feed_events(client: GraphQLClient, count: int) -> list[dict[str, Any]]:
    """The account's `count` events, oldest first: read until all are in the feed (a relay
    run of another app, or of this one's background loop, may be copying some as we read)."""
    async with asyncio.timeout(10):
        while True:
            edges = (await client.data(EVENTS))["invoiceEvents"]["edges"]
            if len(edges) >= count:
                assert len(edges) == count, edges
                return [edge["node"] for edge in edges]
            await asyncio.sleep(0.02)


ReceiverFactory = Callable[..., Awaitable[tuple[Receiver, str]]]


@pytest.fixture
def receiver(aiohttp_server: Any) -> ReceiverFactory:
    """Start a receiver on loopback: (it, the URL of its hook)."""

    async def start(**options: Any) -> tuple[Receiver, str]:
        made = Receiver(**options)
        server = await aiohttp_server(made.app(), host="127.0.0.1")
        return made, f"http://127.0.0.1:{server.port}/hook"

    return start


@pytest.fixture
def serve_webhooks(serve: ServeFactory) -> ServeFactory:
    async def start(**overrides: Any) -> GraphQLClient:
        return await serve(**{**FAST, **overrides})

    return start
