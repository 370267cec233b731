"""Database faults against a real wire-protocol server process (mongoeco's wire server over
its SQLite engine, tests/wire_database.py): a database that dies, comes back, or stalls never
hangs a request or makes a 500, and loses nothing.
"""

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bench.processes import ChildProcess, eventually, running_invoicegraph
from tests.faulty_link import faulty_link
from tests.remote_client import GRAPHQL_RESPONSE_JSON, JSON, Answer, RemoteGraphQL
from tests.wire_database import mongodb_uri, seed_invoices, start_database

# A database process of its own: mongoeco's wire server (tests/wire_database.py).
pytestmark = pytest.mark.mongodb

LOOKUP = """
query Lookup($id: ID!) { invoice(invoiceId: $id) { invoiceId invoiceNumber invoiceStatus } }
"""
PAGE = "query Page { invoices(first: 5) { edges { node { invoiceId invoiceNumber } } } }"
UNKNOWN_APQ_HASH = "0" * 64

MARK = """
mutation Mark($id: ID!, $set: JSON) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: $set) { errors { code } }
}
"""
ATTRIBUTES = "query Attributes($id: ID!) { invoice(invoiceId: $id) { attributes } }"

KEY = "acme-reader-key"
WRITER_KEY = "acme-writer-key"
DATABASE_TIMEOUT_MS = 1000
SERVER_ENV = {
    "INVOICEGRAPH_API_KEYS": json.dumps(
        [
            {"key": KEY, "account": "acme", "scopes": ["read"], "name": "acme-reader"},
            {"key": WRITER_KEY, "account": "acme", "scopes": ["write"], "name": "acme-writer"},
        ]
    ),
    "INVOICEGRAPH_DATABASE_TIMEOUT_MS": str(DATABASE_TIMEOUT_MS),
    "INVOICEGRAPH_READY_TIMEOUT_SECONDS": "0.5",
}
# Far above the database timeout: a request that takes this long has hung.
HANG = aiohttp.ClientTimeout(total=15)


@dataclass
class Seeded:
    database: ChildProcess
    invoice_numbers: dict[str, str]


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    database = await start_database(tmp_path / "db")
    try:
        yield Seeded(database, await seed_invoices(database, "acme", 12))
    finally:
        await database.stop()


@contextlib.asynccontextmanager
async def client_of(server: ChildProcess) -> AsyncIterator[RemoteGraphQL]:
    async with aiohttp.ClientSession(timeout=HANG) as session:
        yield RemoteGraphQL(session, server.url, KEY)


def is_ok(answer: Answer) -> bool:
    return answer.ok


def is_unavailable(answer: Answer) -> bool:
    """SERVICE_UNAVAILABLE as the media type says: 503 without data, or legacy 200."""
    if not answer.codes or set(answer.codes) != {"SERVICE_UNAVAILABLE"}:
        return False
    if answer.media_type == GRAPHQL_RESPONSE_JSON:
        return answer.status == 503 and "data" not in answer.body
    # Legacy JSON: 200, and null where the store failed (the whole data, or a nullable field).
    data = answer.body.get("data")
    return answer.status == 200 and (data is None or set(data.values()) == {None})


@dataclass
class Traffic:
    """Clients sending lookups and pages nonstop, in both media types, recording every answer."""

    client: RemoteGraphQL
    invoice_numbers: dict[str, str]
    answers: list[Answer] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    acknowledged: list[str] = field(default_factory=list)

    async def run(self, worker: int) -> None:
        ids = sorted(self.invoice_numbers)
        accept = GRAPHQL_RESPONSE_JSON if worker % 2 else JSON
        turn = 0
        while not self.stopping.is_set():
            turn += 1
            invoice_id = ids[turn % len(ids)]
            try:
                if turn % 2:
                    answer = await self.client.post(LOOKUP, {"id": invoice_id}, accept)
                    if answer.ok:
                        found = answer.body["data"]["invoice"]
                        assert found["invoiceNumber"] == self.invoice_numbers[invoice_id]
                else:
                    answer = await self.client.post(PAGE, accept=accept)
                    if answer.ok:
                        assert len(answer.body["data"]["invoices"]["edges"]) == 5
            except Exception as failure:  # noqa: BLE001 - the test reports every failure
                self.failures.append(failure)
                return
            self.answers.append(answer)
            await asyncio.sleep(0.02)

    async def write(self, writer: RemoteGraphQL, invoice_id: str) -> None:
        """Mark the invoice with a new attribute each turn; keep the marks acknowledged."""
        turn = 0
        while not self.stopping.is_set():
            turn += 1
            try:
                answer = await writer.post(MARK, {"id": invoice_id, "set": {f"w{turn}": turn}})
            except Exception as failure:  # noqa: BLE001 - the test reports every failure
                self.failures.append(failure)
                return
            if answer.ok and answer.body["data"]["invoiceAttributesUpdate"]["errors"] == []:
                self.acknowledged.append(f"w{turn}")
            elif not is_unavailable(answer):
                self.failures.append(AssertionError(f"a write answered {answer}"))
                return
            await asyncio.sleep(0.02)

    def since(self, start: int, predicate: Callable[[Answer], bool]) -> int:
        return sum(1 for answer in self.answers[start:] if predicate(answer))


async def ready(client: RemoteGraphQL) -> bool:
    return await client.status_of("/readyz") == 200


async def not_ready(client: RemoteGraphQL) -> bool:
    return await client.status_of("/readyz") == 503


async def test_queries_fail_fast_and_recover_when_the_database_restarts(
    seeded: Seeded, tmp_path: Path
) -> None:
    database = seeded.database
    uri = mongodb_uri(database.port)
    async with (
        running_invoicegraph(
            tmp_path / "server.log", "--no-demo-data", "--mongodb-uri", uri, env=SERVER_ENV
        ) as server,
        client_of(server) as client,
    ):
        pid = server.process.pid
        traffic = Traffic(client, seeded.invoice_numbers)
        workers = [asyncio.create_task(traffic.run(worker)) for worker in range(6)]
        marked = sorted(seeded.invoice_numbers)[0]
        writer = RemoteGraphQL(client.session, server.url, WRITER_KEY)
        workers.append(asyncio.create_task(traffic.write(writer, marked)))
        await eventually(lambda: _count(traffic, 0, is_ok, 20), 30)

        # The database crashes mid-traffic.
        await database.stop(signal.SIGKILL)
        crashed_at = len(traffic.answers)
        acknowledged_before_crash = list(traffic.acknowledged)
        await eventually(lambda: not_ready(client), 15)
        await eventually(lambda: _count(traffic, crashed_at, is_unavailable, 12), 30)
        # A persisted-document lookup needs the store before anything runs: a 503 too.
        apq = {"persistedQuery": {"version": 1, "sha256Hash": UNKNOWN_APQ_HASH}}
        lookup = await client.post(None, accept=GRAPHQL_RESPONSE_JSON, extensions=apq)
        assert (lookup.status, lookup.codes) == (503, ["SERVICE_UNAVAILABLE"])

        # It comes back on the same port with the same data; invoicegraph is not restarted.
        restarted = await start_database(database.output.parent, database.port)
        try:
            await eventually(lambda: ready(client), 30)
            back_at = len(traffic.answers)
            await eventually(lambda: _count(traffic, back_at, is_ok, 20), 30)
            await eventually(lambda: _more(traffic.acknowledged, acknowledged_before_crash), 30)
            traffic.stopping.set()
            await asyncio.gather(*workers)
            metrics = await (await client.session.get(f"{server.url}/metrics")).text()
            stored = (await client.data(ATTRIBUTES, {"id": marked}))["invoice"]["attributes"]
        finally:
            await restarted.stop()
        assert server.running
        assert server.process.pid == pid

    assert traffic.failures == []
    # Nothing acknowledged is lost: before the crash (the database's file), nor after it.
    assert acknowledged_before_crash
    assert set(traffic.acknowledged) <= set(stored), set(traffic.acknowledged) - set(stored)
    odd = [answer for answer in traffic.answers if not (answer.ok or is_unavailable(answer))]
    assert odd == []
    assert traffic.since(crashed_at, is_unavailable) >= 12
    assert {answer.media_type for answer in traffic.answers if is_unavailable(answer)} == {
        GRAPHQL_RESPONSE_JSON,
        JSON,
    }
    assert 'outcome="unavailable"' in metrics
    assert 'invoicegraph_requests_rejected_total{reason="SERVICE_UNAVAILABLE"}' not in metrics


async def _more(now: list[str], before: list[str]) -> bool:
    return len(now) > len(before)


async def _count(
    traffic: Traffic, start: int, predicate: Callable[[Answer], bool], at_least: int
) -> bool:
    if traffic.failures:
        raise AssertionError(f"a request failed: {traffic.failures[0]!r}")
    return traffic.since(start, predicate) >= at_least


async def test_a_stalled_database_answers_service_unavailable_then_recovers(
    seeded: Seeded, tmp_path: Path
) -> None:
    invoice_id, number = next(iter(seeded.invoice_numbers.items()))
    async with faulty_link(seeded.database.port) as link:
        uri = mongodb_uri(link.port)
        async with (
            running_invoicegraph(
                tmp_path / "server.log", "--no-demo-data", "--mongodb-uri", uri, env=SERVER_ENV
            ) as server,
            client_of(server) as client,
        ):
            assert (await client.data(LOOKUP, {"id": invoice_id}))["invoice"]["invoiceNumber"] == (
                number
            )
            link.stall()
            for accept in (GRAPHQL_RESPONSE_JSON, JSON):
                answer = await client.post(LOOKUP, {"id": invoice_id}, accept)
                assert is_unavailable(answer), answer
                assert "unavailable" in answer.body["errors"][0]["message"]
            assert await client.status_of("/readyz") == 503

            link.resume()
            await eventually(lambda: ready(client), 30)
            found = await client.data(LOOKUP, {"id": invoice_id})
            assert found["invoice"]["invoiceNumber"] == number
