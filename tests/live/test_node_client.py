"""The npm graphql-ws client, in Node, subscribes, receives and resumes from a cursor."""

import asyncio
from typing import Any

from invoicegraph.app import GRAPHQL_VIEW
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.node_scripts import run_node
from tests.live.conftest import create, socket_url, tag


async def subscribed(client: GraphQLClient, count: int) -> None:
    live = client.http.app[GRAPHQL_VIEW].live
    assert live is not None
    async with asyncio.timeout(30):
        while live.open < count:  # noqa: ASYNC110 - the count has no event to wait on
            await asyncio.sleep(0.05)


async def test_graphql_ws_subscribes_receives_and_resumes(serve: ServeFactory) -> None:
    client = await serve(subscription_poll_seconds=0.2)
    url = socket_url(client)
    invoice_id = await create(client, "N-1")

    running = asyncio.create_task(run_node("graphql-ws-client.mjs", url, "demo-key", "3"))
    await subscribed(client, 1)
    await asyncio.sleep(0.3)  # its first read of the feed is done: "only new events"
    for key in ("a", "b", "c"):
        await tag(client, invoice_id, key)
    first: list[dict[str, Any]] = await running

    assert [edge["node"]["version"] for edge in first] == [2, 3, 4]
    await tag(client, invoice_id, "d")
    await tag(client, invoice_id, "e")
    resumed = await run_node("graphql-ws-client.mjs", url, "demo-key", "4", first[0]["cursor"])
    assert [edge["node"]["version"] for edge in resumed] == [3, 4, 5, 6]
    assert resumed[:2] == first[1:]
