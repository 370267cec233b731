"""Execution: what the server spends per request, next to json.dumps of the same documents.

    .venv/bin/python -m bench.execution

Two apps in this process, one answering through compiled plans (graph/compiled/) and one
through Strawberry's executor, hold the same invoices; each is asked over loopback HTTP,
alternating with json.dumps of the documents the answer holds.

- server-side: the request's time inside the server, from the first byte read to the
  answer built (the app's own request histogram): authentication, limits, execution,
  the embedded store's find, serialization.
- without the database: the same, less the time inside database commands (the embedded
  store filtering and sorting in Python here; a MongoDB server's work in production).
- round trip: the client's view, with the transfer and its reading of the answer.
"""

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench.harness import Served, served_with
from bench.report import Section, table
from bench.workload import FULL_PAGE, SMALL_PAGE

STORED = 1_000
ROUNDS = 15


@dataclass(frozen=True)
class Costs:
    """Median seconds per request, with the baseline measured beside it."""

    server: float
    without_database: float
    round_trip: float
    baseline: float
    database: float = 0.0
    """Median seconds inside database commands."""


class ServerClock:
    """Reads the app's own histograms: seconds spent in requests and in database commands."""

    def __init__(self, app: Served) -> None:
        self.registry = app.resources.metrics.registry

    def total(self, name: str) -> float:
        return sum(
            sample.value
            for metric in self.registry.collect()
            if metric.name == name
            for sample in metric.samples
            if sample.name == f"{name}_sum"
        )

    def now(self) -> tuple[float, float]:
        return (
            self.total("invoicegraph_graphql_request_seconds"),
            self.total("invoicegraph_db_command_seconds"),
        )


async def side_by_side(
    app: Served,
    request: Callable[[], Awaitable[object]],
    baseline: Callable[[], object],
    rounds: int,
) -> Costs:
    """The request and the baseline in alternation, after a warm-up of each; medians."""
    clock = ServerClock(app)
    await request()
    baseline()
    server, database, round_trip, base = [], [], [], []
    for _ in range(rounds):
        before = clock.now()
        started = time.perf_counter()
        await request()
        round_trip.append(time.perf_counter() - started)
        after = clock.now()
        server.append(after[0] - before[0])
        database.append(after[1] - before[1])
        started = time.perf_counter()
        baseline()
        base.append(time.perf_counter() - started)
    return Costs(
        server=statistics.median(server),
        without_database=statistics.median(s - d for s, d in zip(server, database, strict=True)),
        round_trip=statistics.median(round_trip),
        baseline=statistics.median(base),
        database=statistics.median(database),
    )


def asking(app: Served, query: str) -> Callable[[], Awaitable[bytes]]:
    return lambda: app.post(query)


async def stored_documents(app: Served, invoice_ids: list[str]) -> list[dict[str, Any]]:
    """The stored invoices' fabric fields (the store's own keys left out), in the page's
    order: what a full page serves."""
    found = await app.invoices.get_many(invoice_ids)
    assert None not in found, "every invoice of the page is stored"
    return [row for row in found if row is not None]


async def page_ids(app: Served, size: int) -> list[str]:
    data = await app.data(f"{{ invoices(first: {size}) {{ edges {{ node {{ invoiceId }} }} }} }}")
    return [edge["node"]["invoiceId"] for edge in data["invoices"]["edges"]]


async def run(quick: bool = False) -> Section:
    rounds = 5 if quick else ROUNDS
    section = Section("execution: server-side cost per request vs json.dumps of the same documents")
    async with served_with(STORED) as compiled, served_with(STORED, compiled=False) as executor:
        full_documents = await stored_documents(compiled, await page_ids(compiled, 100))
        small_documents = full_documents[:10]
        assert await compiled.post(FULL_PAGE) == await executor.post(FULL_PAGE)

        def dump_full() -> str:
            return json.dumps(full_documents)

        def dump_small() -> str:
            return json.dumps(small_documents)

        apps = {"compiled": compiled, "executor": executor}
        full = {
            path: await side_by_side(app, asking(app, FULL_PAGE), dump_full, rounds)
            for path, app in apps.items()
        }
        small = {
            path: await side_by_side(app, asking(app, SMALL_PAGE), dump_small, rounds)
            for path, app in apps.items()
        }
        # Issue 19's limit: the page's own find (the store's time in this request) plus
        # orjson.dumps of the same stored documents.
        to_limit = await side_by_side(
            compiled, asking(compiled, FULL_PAGE), lambda: orjson.dumps(full_documents), rounds
        )
        full_bytes = len(await compiled.post(FULL_PAGE))
    for path, costs in full.items():
        section.add(
            f"100 full invoices, {path}: server-side / json.dumps",
            costs.server / costs.baseline,
            "x",
        )
        section.add(
            "  without the database / json.dumps", costs.without_database / costs.baseline, "x"
        )
        section.add("  round trip / json.dumps", costs.round_trip / costs.baseline, "x")
    section.add(
        "100 full invoices, compiled: server-side / (its find + orjson.dumps)",
        to_limit.server / (to_limit.database + to_limit.baseline),
        "x",
    )
    section.add(
        "  without the database / orjson.dumps",
        to_limit.without_database / to_limit.baseline,
        "x",
    )
    section.add(
        "100 full invoices: executor / compiled (server-side)",
        full["executor"].server / full["compiled"].server,
        "x",
    )
    for path, costs in small.items():
        section.add(
            f"10 invoices x 3 fields, {path}: server-side / json.dumps",
            costs.server / costs.baseline,
            "x",
        )
    section.add(
        "10 invoices x 3 fields: executor / compiled (server-side)",
        small["executor"].server / small["compiled"].server,
        "x",
    )
    section.add(
        "100 full invoices: response bytes / json.dumps bytes", full_bytes / len(dump_full()), "x"
    )
    section.notes.append(
        f"{STORED:,} invoices in the embedded store; medians of {rounds} alternating rounds; "
        "answers of both paths checked equal first"
    )
    section.raw = {
        "full_page": {path: vars(costs) for path, costs in full.items()},
        "small_query": {path: vars(costs) for path, costs in small.items()},
        "full_page_to_limit": vars(to_limit),
        "full_page_response_bytes": full_bytes,
        "full_page_json_dumps_bytes": len(dump_full()),
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
