"""The graphql-sse protocol (distinct connections mode) over a real HTTP connection."""

import asyncio
from typing import Any

import orjson
from aiohttp import ClientResponse

from tests.conftest import GraphQLClient, ServeFactory
from tests.live.conftest import SUBSCRIPTION, FeedStarts, create, tag


async def events(response: ClientResponse, count: int) -> list[tuple[str, Any]]:
    """The first `count` server-sent events: (event, decoded data)."""
    found: list[tuple[str, Any]] = []
    kind = None
    while len(found) < count:
        line = (await asyncio.wait_for(response.content.readline(), 10)).decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind is not None:
            data = line.removeprefix("data: ")
            found.append((kind, orjson.loads(data) if data else None))
    return found


async def stream(client: GraphQLClient, after: str | None) -> ClientResponse:
    return await client.http.post(
        "/graphql",
        json={"query": SUBSCRIPTION, "variables": {"after": after}},
        headers={**client.headers(), "Accept": "text/event-stream"},
    )


async def test_sse_subscribes_receives_and_resumes_from_a_cursor(
    serve: ServeFactory, feed_starts: FeedStarts
) -> None:
    client = await serve(subscription_poll_seconds=0.1)
    invoice_id = await create(client, "S-1")
    response = await stream(client, None)
    assert response.headers["Content-Type"] == "text/event-stream"
    await feed_starts.reached(1)  # "only new events" starts here
    await tag(client, invoice_id, "a")
    await tag(client, invoice_id, "b")

    received = await events(response, 2)
    response.close()

    assert [kind for kind, _ in received] == ["next", "next"]
    edges = [data["data"]["invoiceEvents"] for _, data in received]
    assert [edge["node"]["version"] for edge in edges] == [2, 3]
    await tag(client, invoice_id, "c")
    resumed = await stream(client, edges[0]["cursor"])
    again = [data["data"]["invoiceEvents"] for _, data in await events(resumed, 2)]
    resumed.close()
    assert again[0] == edges[1]
    assert again[1]["node"]["version"] == 4


async def test_sse_needs_a_key_and_answers_queries_once(serve: ServeFactory) -> None:
    client = await serve()
    client.key = None
    refused = await stream(client, None)
    assert refused.status == 401
    client.key = "demo-key"
    answer = await client.http.post(
        "/graphql",
        json={"query": "{ invoiceEvents { edges { cursor } } }"},
        headers={**client.headers(), "Accept": "text/event-stream"},
    )
    assert [kind for kind, _ in await events(answer, 2)] == ["next", "complete"]
