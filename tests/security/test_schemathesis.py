"""schemathesis against the served app's GraphQL schema, over a real socket.

Every root field and mutation gets generated queries (hypothesis-graphql, driven by
schemathesis), with strategies for the Decimal, DateTime and JSON scalars so that
mutations get real cases, not only refusals. No answer is a 5xx, none carries
INTERNAL_SERVER_ERROR, and none comes later than the request time budget.
"""

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import graphql
import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from invoicegraph.app import create_app
from invoicegraph.parser_errors import ApiAppRunner
from invoicegraph.settings import Settings
from tests.conftest import TEST_KEYS

CASES_PER_OPERATION = 170
"""About 2,000 cases over the schema's 12 root fields and mutations."""
BUDGET_MS = 3000
"""The served app's INVOICEGRAPH_REQUEST_TIMEOUT_MS, and the slowest answer allowed."""
SLACK_SECONDS = 0.5
"""Between the server stopping a query and the client reading the answer."""
HEADERS = {"Authorization": "Bearer demo-key"}
RAN: Counter[str] = Counter()
CLEAN: Counter[str] = Counter()
"""Cases answered without any error, payload errors included: the real cases."""

# The scalars: mostly values the API takes, some it must refuse cleanly.
money = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2, allow_nan=False
).map(str)
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(money, money, st.text(max_size=12), st.just("1e400")).map(nodes.String)
    | st.integers(-(10**6), 10**6).map(nodes.Int),
)
instants = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
schemathesis.graphql.scalar(
    "DateTime", st.one_of(instants, instants, st.text(max_size=30)).map(nodes.String)
)
NAME = st.from_regex(r"\A[_a-zA-Z][_a-zA-Z0-9]{0,8}\Z")


def _json_node(value: Any) -> graphql.ValueNode:
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([_json_node(item) for item in value])
    fields = [
        graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=_json_node(item))
        for key, item in value.items()
    ]
    return nodes.Object(fields)


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAME, inner, max_size=3),
    max_leaves=8,
)
schemathesis.graphql.scalar(
    "JSON",
    st.dictionaries(NAME, json_values, max_size=4).map(_json_node) | json_values.map(_json_node),
)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The app with the demo data on a loopback port, served from its own thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    address: list[str] = []
    stop = asyncio.Event()

    async def serve() -> None:
        app = create_app(
            Settings(mongodb_uri=None, api_keys=TEST_KEYS, request_timeout_ms=BUDGET_MS)
        )
        runner = ApiAppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        address.append(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        ready.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(120), "the app did not start"
    yield address[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)
    loop.close()


def _invoice_count(served: str) -> int:
    query = {"query": "{ invoices(first: 0) { totalCount } }"}
    answer = requests.post(f"{served}/graphql", json=query, headers=HEADERS, timeout=30).json()
    count: int = answer["data"]["invoices"]["totalCount"]
    return count


@pytest.mark.usefixtures("frozen_heap")
def test_no_generated_query_crashes_or_overstays(served: str) -> None:
    # Driven through the schema's operations rather than schemathesis' pytest plugin,
    # whose lazy fixture loader does not run on this pytest.
    before = _invoice_count(served)
    loaded = schemathesis.graphql.from_url(f"{served}/graphql", headers=HEADERS)
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) >= 12, [operation.label for operation in operations]
    for operation in operations:

        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=served, headers=HEADERS, timeout=BUDGET_MS / 1000 + 10)
            RAN[case.operation.label] += 1
            assert response.status_code < 500, (case.body, response.text[:500])
            assert response.elapsed < BUDGET_MS / 1000 + SLACK_SECONDS, case.body  # seconds
            body = response.json()  # not JSON: fails the test too
            codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
            assert "INTERNAL_SERVER_ERROR" not in codes, (case.body, body)
            assert all(codes), (case.body, body)
            payloads = (body.get("data") or {}).values()
            if not codes and not any(isinstance(p, dict) and p.get("errors") for p in payloads):
                CLEAN[case.operation.label] += 1

        check()
    print(f"schemathesis: {sum(RAN.values())} cases over {len(RAN)} operations: {dict(RAN)}")
    print(f"answered without errors: {dict(CLEAN)}")
    # The scalar strategies give mutations real cases: invoices were created.
    created = _invoice_count(served) - before
    print(f"invoices created: {created}")
    assert created > 0
    assert sum(RAN.values()) >= len(operations) * CASES_PER_OPERATION // 2
