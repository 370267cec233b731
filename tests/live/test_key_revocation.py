"""A key revoked (or left without `read`) while its subscriptions run ends them, over real
sockets: WebSocket close 4401 or 4403, Server-Sent Events a last error then `complete`;
no event written after the key cache period that followed the revocation is delivered."""

import asyncio
from typing import Any

from aiohttp import ClientResponse

from invoicegraph.app import GRAPHQL_VIEW, RESOURCES
from store.client import Database
from store.indexes import API_KEYS
from store.keys import KeyStore
from tests.conftest import GraphQLClient, ServeFactory
from tests.live.conftest import SUBSCRIPTION, create, tag
from tests.live.test_protocol import bearer, closed_with, connect, message, subscribe
from tests.live.test_sse import events

CACHE_SECONDS = 0.5
"""INVOICEGRAPH_KEY_CACHE_SECONDS here: how long a revoked key may still be served."""
MARGIN_SECONDS = 0.1


def database_of(client: GraphQLClient) -> Database:
    database = client.http.app[RESOURCES].database
    assert database is not None
    return database


async def stored_key(client: GraphQLClient, name: str) -> str:
    """A key made as `invoicegraph keys create` makes it: demo's, with `read`."""
    clear, _ = await KeyStore(database_of(client)).create("demo", name, ["read"])
    return clear


async def resumable(client: GraphQLClient, number: str) -> tuple[str, str]:
    """A new invoice and the cursor of its creation: a subscription after it misses nothing,
    whenever the server starts reading."""
    invoice_id = await create(client, number)
    feed = await client.data("{ invoiceEvents { edges { cursor node { invoiceId } } } }")
    (cursor,) = [
        edge["cursor"]
        for edge in feed["invoiceEvents"]["edges"]
        if edge["node"]["invoiceId"] == invoice_id
    ]
    return invoice_id, cursor


async def revoke_and_write_after_the_cache_period(
    client: GraphQLClient, name: str, invoice_id: str
) -> None:
    """Revoke the key, wait until no cache may hold it, then change the invoice (version 3)."""
    assert await KeyStore(database_of(client)).revoke("demo", name) is not None
    await asyncio.sleep(CACHE_SECONDS + MARGIN_SECONDS)  # the documented bound, not a race
    await tag(client, invoice_id, "after")


async def released(client: GraphQLClient) -> None:
    live = client.http.app[GRAPHQL_VIEW].live
    assert live is not None
    async with asyncio.timeout(10):
        while live.open:  # noqa: ASYNC110 - the count has no event to wait on
            await asyncio.sleep(0.05)


async def test_websocket_of_a_revoked_key_closes_4401_before_a_later_event(
    serve: ServeFactory,
) -> None:
    # A poll far longer than the test: only the event itself wakes the subscription, and
    # its check before delivering finds the key revoked.
    client = await serve(key_cache_seconds=CACHE_SECONDS, subscription_poll_seconds=60)
    client.key = "demo-writer-key"
    key = await stored_key(client, "live")
    invoice_id, cursor = await resumable(client, "R-1")
    socket_ = await connect(client, bearer(key))
    assert (await message(socket_))["type"] == "connection_ack"
    await subscribe(socket_, variables={"after": cursor})
    await tag(client, invoice_id, "before")
    delivered = await message(socket_)
    assert delivered["payload"]["data"]["invoiceEvents"]["node"]["version"] == 2

    await revoke_and_write_after_the_cache_period(client, "live", invoice_id)

    # Nothing more (version 3 was written after the bound): the close, with its code.
    assert await closed_with(socket_) == (4401, "Unauthorized: this API key was revoked")
    await released(client)


async def test_websocket_of_a_key_that_lost_read_closes_4403_while_idle(
    serve: ServeFactory,
) -> None:
    poll = 0.2
    client = await serve(key_cache_seconds=CACHE_SECONDS, subscription_poll_seconds=poll)
    key = await stored_key(client, "reader")
    socket_ = await connect(client, bearer(key))
    assert (await message(socket_))["type"] == "connection_ack"
    await subscribe(socket_)
    # The scope taken away in the database (as an operator's update would).
    changed, _ = (
        await database_of(client)
        .collection(API_KEYS)
        .update_one({"account": "demo", "name": "reader"}, {"$set": {"scopes": ["write"]}})
    )
    assert changed
    started = asyncio.get_running_loop().time()

    # No event at all: the subscription's poll re-checks the key once its cache entry ends.
    assert await closed_with(socket_) == (4403, "Forbidden: this API key lost the 'read' scope")
    elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < CACHE_SECONDS + poll + 3  # generous for a loaded machine
    await released(client)


async def stream(client: GraphQLClient, key: str, after: str) -> ClientResponse:
    return await client.http.post(
        "/graphql",
        json={"query": SUBSCRIPTION, "variables": {"after": after}},
        headers={**bearer(key), "Accept": "text/event-stream"},
    )


async def test_sse_stream_of_a_revoked_key_ends_with_unauthenticated(
    serve: ServeFactory,
) -> None:
    client = await serve(key_cache_seconds=CACHE_SECONDS, subscription_poll_seconds=60)
    client.key = "demo-writer-key"
    key = await stored_key(client, "sse")
    invoice_id, cursor = await resumable(client, "R-2")
    response = await stream(client, key, cursor)
    assert response.status == 200
    await tag(client, invoice_id, "before")
    ((kind, data),) = await events(response, 1)
    assert (kind, data["data"]["invoiceEvents"]["node"]["version"]) == ("next", 2)

    await revoke_and_write_after_the_cache_period(client, "sse", invoice_id)

    ending: list[tuple[str, Any]] = await events(response, 2)
    assert ending == [
        (
            "next",
            {
                "errors": [
                    {
                        "message": "Unauthorized: this API key was revoked",
                        "extensions": {"code": "UNAUTHENTICATED"},
                    }
                ]
            },
        ),
        ("complete", None),
    ]
    assert (await response.content.read()).strip() == b""  # the stream ended there
    await released(client)
