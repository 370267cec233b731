"""HTTP: a small query against the same server's bare /healthz, under 32 concurrent connections.

    .venv/bin/python -m bench.http_load

The server is `invoicegraph serve` (embedded store, demo data) in a child process; the load
generator is this process. Both share the machine's cores, so the ratios say how much the
query costs next to the cheapest request the same server answers, on the same machine.
"""

import asyncio
import itertools
import tempfile
from pathlib import Path

from bench.load_generator import LoadReport, drive, get_call, graphql_call
from bench.processes import running_invoicegraph
from bench.report import Section, table
from bench.workload import SMALL_PAGE, Request

CONCURRENCY = 32
SECONDS = 8.0
WARM_UP_SECONDS = 1.0
DEMO_KEY = "demo-key"


async def measure(url: str, seconds: float) -> tuple[LoadReport, LoadReport]:
    """Load /healthz, then the small query, each after a short warm-up."""
    healthz = itertools.repeat(("healthz", get_call(url, "/healthz")))
    small = Request("small query", SMALL_PAGE)
    query = itertools.repeat((small.kind, graphql_call(url, DEMO_KEY, small)))
    reports = []
    for calls in (healthz, query):
        await drive(calls, CONCURRENCY, WARM_UP_SECONDS)
        reports.append(await drive(calls, CONCURRENCY, seconds))
    return reports[0], reports[1]


async def run(quick: bool = False) -> Section:
    section = Section(f"HTTP: small query vs bare /healthz, {CONCURRENCY} connections")
    seconds = 3.0 if quick else SECONDS
    with tempfile.TemporaryDirectory() as directory:
        async with running_invoicegraph(Path(directory) / "server.log") as server:
            healthz, query = await measure(server.url, seconds)
        # The same load on a server whose executor runs every operation (no compiled plans).
        executor_only = {"INVOICEGRAPH_COMPILED_EXECUTION": "false"}
        log = Path(directory) / "executor.log"
        async with running_invoicegraph(log, env=executor_only) as server:
            executor_healthz, executor_query = await measure(server.url, seconds)
    section.add("requests/s: small query / healthz", query.throughput / healthz.throughput, "x")
    section.add(
        "requests/s of the small query, compiled / executor-only server (each over its healthz)",
        (query.throughput / healthz.throughput)
        / (executor_query.throughput / executor_healthz.throughput),
        "x",
    )
    section.add(
        "p50 latency: small query / healthz", query.percentile(50) / healthz.percentile(50), "x"
    )
    section.add(
        "p99 latency: small query / healthz", query.percentile(99) / healthz.percentile(99), "x"
    )
    section.add(
        "errors (all runs)",
        healthz.error_count
        + query.error_count
        + executor_healthz.error_count
        + executor_query.error_count,
    )
    section.notes.append(
        "server: one `invoicegraph serve` process, embedded store with the demo data; "
        "generator: aiohttp in the benchmark's process"
    )
    section.raw = {
        name: {
            "requests": report.requests,
            "requests_per_second": report.throughput,
            "p50_ms": report.percentile(50) * 1000,
            "p99_ms": report.percentile(99) * 1000,
            "errors": report.errors,
        }
        for name, report in (
            ("healthz", healthz),
            ("small_query", query),
            ("executor_healthz", executor_healthz),
            ("executor_small_query", executor_query),
        )
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
