"""A query that passes INVOICEGRAPH_REQUEST_TIMEOUT_MS stops with QUERY_TIMEOUT and lets go
of what it holds; a mutation is never cut halfway; other requests are answered meanwhile."""

import asyncio
import time
from typing import Any

import pytest

from store.invoices import ScopedInvoices
from tests.conftest import ServeFactory

# Timed on the wall clock: no collector pass over the earlier tests' heap (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_heap")

COUNT = "{ invoices(first: 0) { totalCount } }"


@pytest.fixture
def slow_count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    return slow_counts(monkeypatch)


def slow_counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A database that takes 30 s to count: records the counts begun and cancelled."""
    seen = {"begun": 0, "cancelled": 0}

    async def count(self: ScopedInvoices, criteria: Any = None) -> int:
        seen["begun"] += 1
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen["cancelled"] += 1
            raise
        return 0

    monkeypatch.setattr(ScopedInvoices, "count", count)
    return seen


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_query_past_the_budget_stops_with_a_code(
    serve: ServeFactory, slow_count: dict[str, int], accept: str
) -> None:
    client = await serve(request_timeout_ms=300)
    started = time.perf_counter()
    response = await client.http.post(
        "/graphql", json={"query": COUNT}, headers={**client.headers(), "Accept": accept}
    )
    elapsed = time.perf_counter() - started
    body = await response.json()

    assert response.status == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TIMEOUT", "budgetMs": 300}
    assert "time budget of 300 ms" in error["message"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 1000
    assert 0.3 <= elapsed < 3
    # The execution was cancelled, not left running: what it held is released.
    assert slow_count == {"begun": 1, "cancelled": 1}


async def test_a_query_seen_before_stops_at_the_budget_too(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked again, a compiled query skips Strawberry's pipeline (graph/http/plan_route.py):
    the budget cuts it there as well."""
    client = await serve(request_timeout_ms=300)
    await client.data(COUNT)  # parsed, validated and compiled: the next one takes the route
    seen = slow_counts(monkeypatch)
    started = time.perf_counter()
    status, body = await client.post(COUNT)
    elapsed = time.perf_counter() - started

    assert status == 200
    assert body["data"] is None
    assert [error["extensions"] for error in body["errors"]] == [
        {"code": "QUERY_TIMEOUT", "budgetMs": 300}
    ]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2 + 1000
    assert 0.3 <= elapsed < 3
    assert seen == {"begun": 1, "cancelled": 1}


async def test_other_requests_are_answered_while_one_waits(
    serve: ServeFactory, slow_count: dict[str, int]
) -> None:
    client = await serve(request_timeout_ms=1000)
    slow = asyncio.create_task(client.post(COUNT))
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    assert await client.data("{ invoices(first: 1) { edges { node { id } } } }")
    health = await client.http.get("/healthz")
    assert health.status == 200
    assert time.perf_counter() - started < 0.9
    assert not slow.done()
    status, body = await slow
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TIMEOUT"


async def test_a_mutation_runs_to_its_end(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await serve(request_timeout_ms=100)
    insert = ScopedInvoices.insert

    async def slow_insert(self: ScopedInvoices, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.4)
        return await insert(self, *args, **kwargs)

    monkeypatch.setattr(ScopedInvoices, "insert", slow_insert)
    created = await client.data(
        """mutation { invoiceCreate(input: {invoiceNumber: "SLOW-1", invoiceTotal: "1.00"}) {
          invoice { invoiceNumber } errors { code } } }"""
    )
    assert created["invoiceCreate"] == {"invoice": {"invoiceNumber": "SLOW-1"}, "errors": []}
