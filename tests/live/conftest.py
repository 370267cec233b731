"""Subscriptions over real sockets: the served app's address, a writer to make changes, and
waits on the server's own state (never on the clock)."""

import asyncio
from typing import Any

import pytest

from invoicegraph.app import GRAPHQL_VIEW
from store.event_feed import ScopedEvents
from tests.conftest import GraphQLClient

WAIT_SECONDS = 30
"""How long a wait on the server's state may take before the test fails."""

CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", invoiceStatus: ISSUED}) {
    invoice { invoiceId }
  }
}
"""
TAG = """
mutation Tag($id: ID!, $key: String!) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: {tag: $key}) { errors { code } }
}
"""
SUBSCRIPTION = """
subscription Live($after: String) {
  invoiceEvents(after: $after) { cursor node { invoiceId version type } }
}
"""


def socket_url(client: GraphQLClient) -> str:
    return str(client.http.make_url("/graphql")).replace("http://", "ws://", 1)


async def create(client: GraphQLClient, number: str) -> str:
    data: dict[str, Any] = await client.data(CREATE, {"number": number})
    invoice_id: str = data["invoiceCreate"]["invoice"]["invoiceId"]
    return invoice_id


async def tag(client: GraphQLClient, invoice_id: str, key: str) -> None:
    await client.data(TAG, {"id": invoice_id, "key": key})


async def open_subscriptions(client: GraphQLClient, count: int) -> None:
    """Until the server holds exactly `count` subscriptions (admitted, or released)."""
    live = client.http.app[GRAPHQL_VIEW].live
    assert live is not None
    async with asyncio.timeout(WAIT_SECONDS):
        while live.open != count:  # noqa: ASYNC110 - the count has no event to wait on
            await asyncio.sleep(0.02)


class FeedStarts:
    """Subscriptions without a cursor that have read where "only new events" starts (the
    feed's newest event): a change made after that reaches them."""

    def __init__(self) -> None:
        self.count = 0

    async def reached(self, count: int) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            while self.count < count:  # noqa: ASYNC110 - the count has no event to wait on
                await asyncio.sleep(0.02)


@pytest.fixture
def feed_starts(monkeypatch: pytest.MonkeyPatch) -> FeedStarts:
    starts = FeedStarts()
    latest = ScopedEvents.latest

    async def counted(self: ScopedEvents) -> int:
        newest = await latest(self)
        starts.count += 1
        return newest

    monkeypatch.setattr(ScopedEvents, "latest", counted)
    return starts
