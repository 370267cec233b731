"""Load: 32 concurrent clients on a mixed workload against a real server process, for a minute.

Every answer must be right (no HTTP error, no GraphQL error, no mutation error). Loopback
only, bounded in time: the generator stops by itself. INVOICEGRAPH_LOAD_SECONDS shortens it.
"""

import os
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.load_generator import drive, graphql_call
from bench.processes import running_invoicegraph
from bench.workload import INVOICE_IDS, MixedWorkload
from tests.remote_client import RemoteGraphQL

CONCURRENCY = 32
LOAD_SECONDS = float(os.environ.get("INVOICEGRAPH_LOAD_SECONDS", "60"))
KEY = "demo-key"


def outcomes(metrics: str) -> dict[str, float]:
    """GraphQL requests the server counted, by outcome."""
    counted: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == "invoicegraph_graphql_requests_total":
                outcome = sample.labels["outcome"]
                counted[outcome] = counted.get(outcome, 0) + sample.value
    return counted


async def test_mixed_load_from_32_clients_has_no_errors(
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with (
        running_invoicegraph(tmp_path / "server.log") as server,
        aiohttp.ClientSession() as session,
    ):
        remote = RemoteGraphQL(session, server.url, KEY)
        page = await remote.data(INVOICE_IDS)
        ids = [edge["node"]["invoiceId"] for edge in page["invoices"]["edges"]]
        calls = (
            (request.kind, graphql_call(server.url, KEY, request)) for request in MixedWorkload(ids)
        )
        report = await drive(calls, CONCURRENCY, LOAD_SECONDS)
        async with session.get(f"{server.url}/metrics") as response:
            metrics = await response.text()

    with capsys.disabled():
        print(f"\nload, {CONCURRENCY} clients: {report.describe()}")
    record_property("throughput_per_second", round(report.throughput, 1))
    record_property("p99_ms", round(report.percentile(99) * 1000, 1))
    assert report.errors == []
    assert report.error_count == 0
    assert set(report.kinds) == {"lookup", "filtered_page", "summary", "mutation"}
    # The server saw each request once, and every one went well (the first listed the ids).
    assert outcomes(metrics) == {"ok": report.requests + 1}
