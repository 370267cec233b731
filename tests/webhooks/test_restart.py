"""A restart in the middle of retries, on a MongoDB-speaking server: nothing is lost.

`invoicegraph serve --mongodb-uri` delivers to a receiver that keeps failing; the server is
killed (SIGKILL: no clean-up at all) while every delivery waits for a retry; the receiver
recovers and a second server on the same database delivers every event, each under its
own webhook-id, signed, and none of another account.
"""

import json
import signal
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bench.processes import ChildProcess, eventually, running_invoicegraph
from tests.webhooks.conftest import (
    CREATE_INVOICE,
    CREATE_SUBSCRIPTION,
    EVENTS,
    PAYLOAD,
    ReceiverFactory,
)

pytestmark = pytest.mark.mongodb

KEYS = [
    {"key": "demo-admin-key", "account": "demo", "scopes": ["admin"], "name": "demo-admin"},
    {"key": "acme-writer-key", "account": "acme", "scopes": ["write"], "name": "acme-writer"},
]


def environment(database: str) -> dict[str, str]:
    return {
        "INVOICEGRAPH_DATABASE": database,
        "INVOICEGRAPH_API_KEYS": json.dumps(KEYS),
        "INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "INVOICEGRAPH_WEBHOOK_SECRET_KEYS": Fernet.generate_key().decode(),
        "INVOICEGRAPH_WEBHOOK_TIMEOUT_SECONDS": "1",
        "INVOICEGRAPH_WEBHOOK_RETRY_FIRST_SECONDS": "0.3",
        "INVOICEGRAPH_WEBHOOK_RETRY_MAX_SECONDS": "1",
        "INVOICEGRAPH_WEBHOOK_POLL_SECONDS": "0.1",
        "INVOICEGRAPH_WEBHOOK_LEASE_SECONDS": "3",
    }


async def graphql(
    server: ChildProcess, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        body = await response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def create(server: ChildProcess, key: str, number: str) -> None:
    data = await graphql(server, key, CREATE_INVOICE, {"number": number})
    assert data["invoiceCreate"]["errors"] == []


async def test_deliveries_survive_a_killed_server(
    tmp_path: Path, mongodb_uri: str, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver(otherwise=503)
    env = environment(f"invoicegraph_webhooks_{uuid.uuid4().hex[:8]}")
    arguments = ("--mongodb-uri", mongodb_uri, "--no-demo-data")
    async with running_invoicegraph(tmp_path / "first.log", *arguments, env=env) as first:
        answer = await graphql(
            first, "demo-admin-key", CREATE_SUBSCRIPTION, {"url": url, "query": PAYLOAD}
        )
        made = answer["webhookSubscriptionCreate"]
        assert made["errors"] == []
        secret = made["webhookSubscription"]["secret"]
        for number in ("R-1", "R-2", "R-3"):
            await create(first, "demo-admin-key", number)
        await create(first, "acme-writer-key", "ACME-R-1")

        async def every_event_failed_twice() -> bool:
            tries = defaultdict(int)
            for request in hook.received:
                tries[request.headers["webhook-id"]] += 1
            return len(tries) == 3 and min(tries.values()) >= 2

        await eventually(every_event_failed_twice, 30)
        await first.stop(signal.SIGKILL)

    hook.otherwise = 200
    async with running_invoicegraph(tmp_path / "second.log", *arguments, env=env) as second:
        await create(second, "demo-admin-key", "R-4")
        ids: set[str] = set()

        async def every_event_in_the_feed() -> bool:
            # A relay run of this process may be copying R-4's event as we read: read again.
            answer = await graphql(second, "demo-admin-key", EVENTS)
            ids.update(edge["node"]["eventId"] for edge in answer["invoiceEvents"]["edges"])
            return len(ids) == 4

        await eventually(every_event_in_the_feed, 30)
        await hook.wait_for(ids, 30)

    bodies = hook.verified(secret)
    assert {body["data"]["event"]["eventId"] for body in bodies} == ids
    numbers = {body["data"]["payload"]["invoice"]["invoiceNumber"] for body in bodies}
    assert numbers == {"R-1", "R-2", "R-3", "R-4"}  # never ACME-R-1
    by_id: dict[str, list[int | None]] = defaultdict(list)
    for request in hook.received:
        by_id[request.headers["webhook-id"]].append(request.answered)
    for answers in by_id.values():  # retries of one id until its single 200, never after
        assert answers[-1] == 200
        assert 200 not in answers[:-1]
