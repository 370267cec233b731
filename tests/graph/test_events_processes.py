"""Two app instances on one database (two processes' worth of state): one feed order.

Each app has its own store objects, relay and lease owner; writes alternate between them
(concurrently) while a reader on one app follows the feed by cursor. The reader must see
every event once, in the final order; each invoice's events are its versions in order;
resuming after any cursor gives exactly the later events, on either app.
"""

import asyncio
from collections import defaultdict
from typing import Any

from store.client import open_database
from tests.conftest import GraphQLClient, ServeFactory

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
EVENTS = """
query Events($after: String, $first: Int) {
  invoiceEvents(after: $after, first: $first) {
    edges { cursor node { invoiceId version } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def page(client: GraphQLClient, after: str | None, first: int = 100) -> dict[str, Any]:
    answer: dict[str, Any] = (await client.data(EVENTS, {"after": after, "first": first}))[
        "invoiceEvents"
    ]
    return answer


async def whole_feed(client: GraphQLClient) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        found = await page(client, after)
        edges += found["edges"]
        if not found["pageInfo"]["hasNextPage"]:
            return edges
        after = found["pageInfo"]["endCursor"]


async def test_writes_alternating_between_two_apps_keep_one_order(serve: ServeFactory) -> None:
    database = open_database(None, "invoicegraph_two_apps")
    try:
        first = await serve(shared_database=database)
        second = await serve(shared_database=database)
        apps = [first, second]
        ids = []
        for number in range(4):
            created = await apps[number % 2].data(CREATE, {"number": f"P-{number}"})
            ids.append(created["invoiceCreate"]["invoice"]["invoiceId"])
        seen: list[dict[str, Any]] = []
        writing = True

        async def follow() -> None:
            after = None
            while True:
                still_writing = writing
                found = await page(second, after, first=3)
                seen.extend(found["edges"])
                after = found["pageInfo"]["endCursor"] or after
                if not found["edges"] and not still_writing:
                    return

        async def write() -> None:
            nonlocal writing
            for round_ in range(6):
                await asyncio.gather(
                    *(
                        apps[(round_ + position) % 2].data(
                            TAG, {"id": invoice_id, "key": f"{round_}"}
                        )
                        for position, invoice_id in enumerate(ids)
                    )
                )
            writing = False

        await asyncio.gather(write(), follow())
        feed = await whole_feed(first)

        assert len(feed) == 4 + 6 * 4
        assert seen == feed  # nothing skipped, repeated or reordered; the same cursors
        versions: dict[str, list[int]] = defaultdict(list)
        for edge in feed:
            versions[edge["node"]["invoiceId"]].append(edge["node"]["version"])
        assert all(found == list(range(1, 8)) for found in versions.values()), versions
        for position, edge in enumerate(feed):
            app = apps[position % 2]
            later = (await page(app, edge["cursor"]))["edges"]
            assert later == feed[position + 1 :]
    finally:
        await database.close()
