"""Graceful shutdown of a real `invoicegraph serve` process: on SIGTERM it stops accepting,
lets the request in flight finish (for a bounded time), then closes the database client.

The request is held in flight by a link to the database (mongoeco's wire server,
tests/wire_database.py) that stalls until the test resumes it: no timing window, only events
and generous deadlines.
"""

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bench.processes import LOOPBACK, eventually, running_invoicegraph
from tests.faulty_link import FaultyLink, faulty_link
from tests.remote_client import Answer, RemoteGraphQL
from tests.wire_database import mongodb_uri, running_database, seed_invoices

# A database process of its own: mongoeco's wire server (tests/wire_database.py).
pytestmark = pytest.mark.mongodb

LOOKUP = "query Lookup($id: ID!) { invoice(invoiceId: $id) { invoiceId invoiceNumber } }"
KEY = "acme-reader-key"
API_KEYS = json.dumps([{"key": KEY, "account": "acme", "scopes": ["read"], "name": "acme-reader"}])
DEADLINE = 30.0
"""Seconds any awaited state change may take on a loaded machine."""


def server_env(drain_seconds: float) -> dict[str, str]:
    return {
        "INVOICEGRAPH_API_KEYS": API_KEYS,
        # Well above the deadlines: the held request is slow, not failed.
        "INVOICEGRAPH_DATABASE_TIMEOUT_MS": "120000",
        "INVOICEGRAPH_SHUTDOWN_TIMEOUT_SECONDS": str(drain_seconds),
    }


@pytest.fixture
async def linked_database(tmp_path: Path) -> AsyncIterator[tuple[FaultyLink, dict[str, str]]]:
    async with running_database(tmp_path / "db") as db, faulty_link(db.port) as link:
        yield link, await seed_invoices(db, "acme", 6)


async def refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(LOOPBACK, port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def in_flight(client: RemoteGraphQL) -> float:
    async with client.session.get(f"{client.url}/metrics") as response:
        for line in (await response.text()).splitlines():
            if line.startswith("invoicegraph_http_requests_in_flight "):
                return float(line.split()[1])
    raise AssertionError("no in-flight gauge in /metrics")


async def start_slow_lookup(
    client: RemoteGraphQL, link: FaultyLink, invoice_id: str
) -> "asyncio.Task[Answer]":
    """A lookup that is waiting on the (stalled) database when this returns."""
    link.held.clear()
    link.stall()
    slow = asyncio.create_task(client.post(LOOKUP, {"id": invoice_id}, request_id="slow-lookup"))
    await asyncio.wait_for(link.held.wait(), DEADLINE)
    # The metrics request itself and the lookup.
    assert await in_flight(client) == 2
    return slow


async def test_sigterm_finishes_the_request_in_flight_then_closes_the_database(
    linked_database: tuple[FaultyLink, dict[str, str]], tmp_path: Path
) -> None:
    link, numbers = linked_database
    invoice_id, number = next(iter(numbers.items()))
    uri = mongodb_uri(link.port)
    async with (
        running_invoicegraph(
            tmp_path / "server.log",
            "--no-demo-data",
            "--mongodb-uri",
            uri,
            env=server_env(4 * DEADLINE),
        ) as server,
        aiohttp.ClientSession() as session,
    ):
        client = RemoteGraphQL(session, server.url, KEY)
        slow = await start_slow_lookup(client, link, invoice_id)

        server.send(signal.SIGTERM)
        await eventually(lambda: refuses_connections(server.port), DEADLINE)
        assert not slow.done()  # still waiting on the database when the door closed

        link.resume()
        answer = await asyncio.wait_for(slow, DEADLINE)
        assert answer.ok, answer
        assert answer.body["data"]["invoice"] == {"invoiceId": invoice_id, "invoiceNumber": number}
        assert await asyncio.wait_for(server.process.wait(), DEADLINE) == 0

    lines = server.log_lines()
    # In this order: the slow request's line, the database closed, the process stopped.
    slow_line = next(
        index for index, line in enumerate(lines) if line.get("request_id") == "slow-lookup"
    )
    closed = next(
        index for index, line in enumerate(lines) if line["message"] == "database client closed"
    )
    stopped = next(
        index for index, line in enumerate(lines) if line["message"].startswith("stopped")
    )
    assert slow_line < closed < stopped
    assert (lines[slow_line]["status"], lines[slow_line]["outcome"]) == (200, "ok")
    draining = next(line for line in lines if line["message"].startswith("SIGTERM"))
    assert "1 requests in flight" in draining["message"]


async def test_sigterm_cancels_requests_still_running_after_the_drain_timeout(
    linked_database: tuple[FaultyLink, dict[str, str]], tmp_path: Path
) -> None:
    link, numbers = linked_database
    uri = mongodb_uri(link.port)
    async with (
        running_invoicegraph(
            tmp_path / "server.log", "--no-demo-data", "--mongodb-uri", uri, env=server_env(0.5)
        ) as server,
        aiohttp.ClientSession() as session,
    ):
        client = RemoteGraphQL(session, server.url, KEY)
        # The database never answers: only the drain timeout can end the request.
        slow = await start_slow_lookup(client, link, next(iter(numbers)))
        server.send(signal.SIGTERM)
        assert await asyncio.wait_for(server.process.wait(), DEADLINE) == 0
        with pytest.raises(aiohttp.ClientError):
            await slow
    assert any(line["message"] == "database client closed" for line in server.log_lines())
