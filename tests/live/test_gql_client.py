"""Python gql's WebSocket transport (graphql-transport-ws) against the served app."""

import asyncio
from contextlib import aclosing
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import ServeFactory
from tests.live.conftest import SUBSCRIPTION, FeedStarts, create, socket_url, tag


def transport(url: str, key: str = "demo-key") -> WebsocketsTransport:
    return WebsocketsTransport(
        url=url,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"Authorization": f"Bearer {key}"},
    )


async def receive(url: str, count: int, after: str | None, started: asyncio.Event) -> list[Any]:
    """The first `count` edges of a subscription from `after`."""
    edges: list[Any] = []
    async with Client(transport=transport(url)) as session:
        request = GraphQLRequest(SUBSCRIPTION, variable_values={"after": after})
        async with aclosing(session.subscribe(request)) as stream:  # completes it at once
            started.set()
            async for result in stream:
                edges.append(result["invoiceEvents"])
                if len(edges) == count:
                    break
    return edges


async def test_gql_subscribes_receives_and_resumes_from_a_cursor(
    serve: ServeFactory, feed_starts: FeedStarts
) -> None:
    client = await serve(subscription_poll_seconds=0.2)
    url = socket_url(client)
    invoice_id = await create(client, "G-1")
    started = asyncio.Event()

    live = asyncio.create_task(receive(url, 3, None, started))
    await started.wait()
    await feed_starts.reached(1)  # subscribed: "only new events" starts here
    for key in ("a", "b", "c"):
        await tag(client, invoice_id, key)
    first = await asyncio.wait_for(live, 10)

    assert [edge["node"]["version"] for edge in first] == [2, 3, 4]
    # Missed while away: two more changes; resuming after the first edge gets the rest.
    await tag(client, invoice_id, "d")
    await tag(client, invoice_id, "e")
    resumed = await asyncio.wait_for(receive(url, 4, first[0]["cursor"], asyncio.Event()), 10)
    assert [edge["node"]["version"] for edge in resumed] == [3, 4, 5, 6]
    assert resumed[:2] == first[1:]  # the same cursors: nothing missed or repeated
