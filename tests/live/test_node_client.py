"""The npm graphql-ws client, in Node, subscribes, receives and resumes from a cursor."""

import asyncio
from typing import Any

from tests.conftest import ServeFactory
from tests.graph.node_scripts import run_node
from tests.live.conftest import FeedStarts, create, socket_url, tag


async def test_graphql_ws_subscribes_receives_and_resumes(
    serve: ServeFactory, feed_starts: FeedStarts
) -> None:
    client = await serve(subscription_poll_seconds=0.2)
    url = socket_url(client)
    invoice_id = await create(client, "N-1")

    running = asyncio.create_task(run_node("graphql-ws-client.mjs", url, "demo-key", "3"))
    await feed_starts.reached(1)  # subscribed: "only new events" starts here
    for key in ("a", "b", "c"):
        await tag(client, invoice_id, key)
    first: list[dict[str, Any]] = await running

    assert [edge["node"]["version"] for edge in first] == [2, 3, 4]
    await tag(client, invoice_id, "d")
    await tag(client, invoice_id, "e")
    resumed = await run_node("graphql-ws-client.mjs", url, "demo-key", "4", first[0]["cursor"])
    assert [edge["node"]["version"] for edge in resumed] == [3, 4, 5, 6]
    assert resumed[:2] == first[1:]
