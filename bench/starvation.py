"""Starvation: the costliest queries the limits accept, next to small queries and /healthz.

    .venv/bin/python -m bench.starvation

`costliest_queries` searches the schema for them: for every read root that needs no
argument, it builds selections from the schema's own types (every field, lists bounded
by `first` nested to a varying depth and bound), repeats each under aliases while the
limits still accept it (graph/limits/checks.py decides, as it does for a request), and keeps
the costliest of each root. Then 4 clients send those while 8 send a small query and a
prober asks /healthz every 50 ms: small-query latency is compared with the same 8 clients
alone, and the longest /healthz wait is reported (tests/test_starvation.py asserts it).
"""

import asyncio
import itertools
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    is_leaf_type,
    parse,
)

from bench.load_generator import Call, LoadReport, drive, graphql_call
from bench.processes import running_invoicegraph
from bench.report import Section, table
from bench.workload import ATTRIBUTES_UPDATE, SMALL_PAGE, Request
from graph.limits.checks import QueryLimits, RequestLimits
from graph.page_sizes import MAX_PAGE_SIZE

EXPENSIVE_CLIENTS = 4
SMALL_CLIENTS = 8
SECONDS = 30.0
PROBE_EVERY = 0.05
DEMO_KEY = "demo-key"
BOUNDS = (1, 3, 10)
"""The `first` values tried on lists bounded by it (relatedInvoices)."""
DEPTHS = (2, 64)
"""How deep the selections reach into objects: shallow ones leave room for more items."""


def _unwrap(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _bounded(definition: GraphQLField) -> bool:
    """A list the client bounds with `first`: a connection or a looked-up list."""
    return "first" in definition.args


def _is_connection(kind: GraphQLType) -> bool:
    return isinstance(kind, GraphQLObjectType) and {"edges", "pageInfo"} <= kind.fields.keys()


def selection(kind: GraphQLObjectType, chain: int, bound: int, depth: int) -> str:
    """Every field of `kind`, its objects' fields too, down to `depth` levels; a list bounded
    by `first` is followed `chain` levels deep, asking `bound` items a level."""
    parts = []
    for name, definition in kind.fields.items():
        inner = _unwrap(definition.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif isinstance(inner, GraphQLObjectType) and depth > 1:
            if _bounded(definition):
                if chain > 0:
                    inside = selection(inner, chain - 1, bound, depth - 1)
                    parts.append(f"{name}(first: {bound}) {{ {inside} }}")
            else:
                inside = selection(inner, chain, bound, depth - 1)
                if inside:
                    parts.append(f"{name} {{ {inside} }}")
    return " ".join(parts)


@dataclass(frozen=True)
class Costly:
    """A query the limits accept, and its calculated cost."""

    root: str
    query: str
    cost: int


def _accepted(schema: GraphQLSchema, limits: QueryLimits, query: str) -> int | None:
    """The query's cost when the limits let it run, else None."""
    checker = RequestLimits(limits)
    if checker.check_text(query) is not None:
        return None
    if checker.check_document(schema, parse(query), None, None) is not None:
        return None
    return checker.requested_cost


def _fill(schema: GraphQLSchema, limits: QueryLimits, root: str, field: str) -> Costly | None:
    """`field` repeated under aliases as often as the limits accept; None if never."""

    def attempt(copies: int) -> Costly | None:
        fields = " ".join(f"a{n}: {field}" for n in range(copies)) if copies > 1 else field
        cost = _accepted(schema, limits, "{ " + fields + " }")
        return None if cost is None else Costly(root, "{ " + fields + " }", cost)

    best = attempt(1)
    low, high = 1, limits.max_aliases  # the most copies: one plain, the rest aliased
    while best is not None and low < high:  # the most copies accepted, by bisection
        middle = (low + high + 1) // 2
        found = attempt(middle)
        if found is None:
            high = middle - 1
        else:
            low, best = middle, found
    return best


def costliest_queries(schema: GraphQLSchema, limits: QueryLimits) -> list[Costly]:
    """The costliest accepted query of each read root that needs no argument, costliest first.

    Roots whose whole answer stays cheap (a short list, such as the account's webhook
    subscriptions, which also need the admin scope) are left out: below 85% of the maximum.
    """
    assert schema.query_type is not None
    found: list[Costly] = []
    for root, definition in schema.query_type.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in definition.args.values()):
            continue  # it needs a value only real data gives
        kind = _unwrap(definition.type)
        if not isinstance(kind, GraphQLObjectType):
            continue
        page = f"(first: {MAX_PAGE_SIZE})" if "first" in definition.args else ""
        candidates = []
        shapes = [(0, 1)] + list(itertools.product(range(1, 4), BOUNDS))
        for depth, (chain, bound) in itertools.product(DEPTHS, shapes):
            inside = selection(kind, chain, bound, min(depth, limits.max_depth - 1))
            filled = _fill(schema, limits, root, f"{root}{page} {{ {inside} }}")
            if filled is not None:
                candidates.append(filled)
        costliest = max(candidates, key=lambda costly: costly.cost, default=None)
        if costliest is not None and costliest.cost >= 0.85 * limits.max_cost:
            found.append(costliest)
    return sorted(found, key=lambda costly: -costly.cost)


@dataclass
class StarvationReport:
    """What the small queries, the expensive ones and /healthz saw."""

    alone: LoadReport
    loaded: LoadReport
    expensive: LoadReport
    healthz_waits: list[float] = field(default_factory=list)
    healthz_failures: int = 0

    @property
    def p99_ratio(self) -> float:
        alone = self.alone.percentile(99)
        return self.loaded.percentile(99) / alone if alone else 0.0

    @property
    def longest_healthz(self) -> float:
        return max(self.healthz_waits, default=0.0)


async def probe_healthz(url: str, until: float, report: StarvationReport) -> None:
    """GET /healthz every PROBE_EVERY seconds until `until`, recording each wait."""
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() < until:
            sent = time.perf_counter()
            try:
                async with session.get(f"{url}/healthz") as response:
                    await response.read()
                    if response.status != 200:
                        report.healthz_failures += 1
            except aiohttp.ClientError:
                report.healthz_failures += 1
            report.healthz_waits.append(time.perf_counter() - sent)
            await asyncio.sleep(PROBE_EVERY)


def expensive_calls(url: str, queries: list[Costly]) -> Iterator[tuple[str, Call]]:
    """The costly queries in turn; QUERY_TIMEOUT counts as an answer (the budget held)."""
    calls = []
    for costly in queries:
        request = Request(f"costly {costly.root}", costly.query)
        calls.append((request.kind, expensive_call(url, request)))
    return itertools.cycle(calls)


def expensive_call(url: str, request: Request) -> Call:
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    body = {"query": request.query}

    async def call(session: aiohttp.ClientSession) -> str | None:
        async with session.post(f"{url}/graphql", json=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
            if response.status != 200 or any(code != "QUERY_TIMEOUT" for code in codes):
                return f"{request.kind}: {response.status} {codes}"
            return None

    return call


async def make_events(url: str, count: int = 100) -> None:
    """An attributes change on `count` invoices: the event feed has a full page to read
    (the demo data holds invoices, not changes)."""
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        page = f"{{ invoices(first: {count}) {{ edges {{ node {{ invoiceId }} }} }} }}"
        body: dict[str, Any] = {"query": page}
        async with session.post(f"{url}/graphql", json=body) as response:
            edges = (await response.json())["data"]["invoices"]["edges"]
        for serial, edge in enumerate(edges):
            variables = {"id": edge["node"]["invoiceId"], "attributes": {"starvation": serial}}
            body = {"query": ATTRIBUTES_UPDATE, "variables": variables}
            async with session.post(f"{url}/graphql", json=body) as response:
                answer = await response.json()
                assert not answer.get("errors"), answer


async def measure(
    url: str, queries: list[Costly], seconds: float, alone_seconds: float = 10.0
) -> StarvationReport:
    """The small queries alone, then beside the costly ones, /healthz probed meanwhile."""
    await make_events(url)
    small = Request("small query", SMALL_PAGE)
    small_calls = itertools.repeat((small.kind, graphql_call(url, DEMO_KEY, small)))
    await drive(small_calls, SMALL_CLIENTS, 1.0)  # warm-up
    alone = await drive(small_calls, SMALL_CLIENTS, alone_seconds)
    report = StarvationReport(alone, LoadReport(), LoadReport())
    until = time.perf_counter() + seconds
    prober = asyncio.create_task(probe_healthz(url, until, report))
    report.loaded, report.expensive = await asyncio.gather(
        drive(small_calls, SMALL_CLIENTS, seconds),
        drive(expensive_calls(url, queries), EXPENSIVE_CLIENTS, seconds),
    )
    await prober
    return report


async def run(quick: bool = False) -> Section:
    from graph.core_schema import core_schema
    from graph.schema import build_schema

    queries = costliest_queries(core_schema(build_schema()), QueryLimits())[:EXPENSIVE_CLIENTS]
    seconds = 8.0 if quick else SECONDS
    section = Section(
        f"Starvation: {SMALL_CLIENTS} small-query clients beside {EXPENSIVE_CLIENTS} sending "
        f"the costliest accepted queries, {seconds:.0f} s"
    )
    with tempfile.TemporaryDirectory() as directory:
        async with running_invoicegraph(Path(directory) / "server.log") as server:
            report = await measure(server.url, queries, seconds)
    section.add("small-query p99 under load / alone", report.p99_ratio, "x")
    section.add("longest /healthz wait", report.longest_healthz * 1000, "ms")
    section.add("expensive answers (or refusals) per second", report.expensive.throughput, "/s")
    section.add(
        "errors: small / expensive / healthz",
        f"{report.loaded.error_count} / {report.expensive.error_count} / {report.healthz_failures}",
    )
    section.notes.append(
        "expensive: " + "; ".join(f"{q.root} (cost {q.cost})" for q in queries) + ". "
        "server: one `invoicegraph serve`, embedded store, demo data; clients in this process"
    )
    section.raw = {
        "queries": [{"root": q.root, "cost": q.cost} for q in queries],
        "small_alone_p99_ms": report.alone.percentile(99) * 1000,
        "small_loaded_p99_ms": report.loaded.percentile(99) * 1000,
        "p99_ratio": report.p99_ratio,
        "longest_healthz_ms": report.longest_healthz * 1000,
        "expensive_p99_ms": report.expensive.percentile(99) * 1000,
        "expensive_requests": report.expensive.requests,
        "errors": report.loaded.errors + report.expensive.errors,
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
