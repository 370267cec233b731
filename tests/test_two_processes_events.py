"""Two `invoicegraph serve` processes on the MongoDB-speaking server: one event order.

Changes alternate between the two processes (concurrently); a subscriber on the first
process receives the second's events too (it reads the feed, not its own process's
changes); the feed read through either process is the same, in one order that agrees
with every invoice's versions; and resuming after any cursor gives exactly the rest.
"""

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.remote_client import RemoteGraphQL
from tests.test_two_processes import two_processes

pytestmark = pytest.mark.mongodb

WRITER = {"key": "acme-writer-key", "account": "acme", "scopes": ["read", "write"], "name": "w"}
CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00"}) { invoice { invoiceId } }
}
"""
TAG = """
mutation Tag($id: ID!, $key: String!) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: {tag: $key}) { errors { code } }
}
"""
EVENTS = """
query Events($after: String) {
  invoiceEvents(after: $after, first: 100) { edges { cursor node { invoiceId version } } }
}
"""
SUBSCRIPTION = "subscription { invoiceEvents { cursor node { invoiceId version } } }"
INVOICES, ROUNDS = 3, 4


async def feed(client: RemoteGraphQL, after: str | None = None) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = (await client.data(EVENTS, {"after": after}))["invoiceEvents"][
        "edges"
    ]
    return edges


async def test_two_processes_writing_alternately_share_one_order(
    mongodb_uri: str, tmp_path: Path
) -> None:
    keys = {"INVOICEGRAPH_API_KEYS": json.dumps([WRITER])}
    async with two_processes(
        mongodb_uri, tmp_path, INVOICEGRAPH_SUBSCRIPTION_POLL_SECONDS="0.2", **keys
    ) as pair:
        first, second = pair.clients(str(WRITER["key"]))
        socket = await pair.session.ws_connect(
            f"{pair.first.url}/graphql", protocols=["graphql-transport-ws"]
        )
        init = {"Authorization": f"Bearer {WRITER['key']}"}
        await socket.send_json({"type": "connection_init", "payload": init})
        assert (await socket.receive_json(timeout=30))["type"] == "connection_ack"
        await socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        await asyncio.sleep(1)  # subscribed: it streams what happens from now on

        clients = [first, second]
        ids = []
        for number in range(INVOICES):
            created = await clients[number % 2].data(CREATE, {"number": f"TP-{number}"})
            ids.append(created["invoiceCreate"]["invoice"]["invoiceId"])
        for round_ in range(ROUNDS):
            await asyncio.gather(
                *(
                    clients[(round_ + position) % 2].data(
                        TAG, {"id": invoice_id, "key": f"{round_}"}
                    )
                    for position, invoice_id in enumerate(ids)
                )
            )
        total = INVOICES * (1 + ROUNDS)
        streamed = []
        while len(streamed) < total:
            message = orjson.loads((await socket.receive(timeout=30)).data)
            if message["type"] == "ping":
                await socket.send_json({"type": "pong"})
            else:
                assert message["type"] == "next", message
                streamed.append(message["payload"]["data"]["invoiceEvents"])
        await socket.close()

        through_first, through_second = await feed(first), await feed(second)
        assert through_first == through_second == streamed  # one order, the same cursors
        versions: dict[str, list[int]] = defaultdict(list)
        for edge in streamed:
            versions[edge["node"]["invoiceId"]].append(edge["node"]["version"])
        assert all(found == list(range(1, ROUNDS + 2)) for found in versions.values())
        for position, edge in enumerate(streamed):
            assert await feed(clients[position % 2], edge["cursor"]) == streamed[position + 1 :]
