"""Peer: invoicegraph next to the Node server a team would write instead, in one run.

    .venv/bin/python -m bench.peer

The peer (bench/peer/server.mjs) is Fastify + Mercurius serving our committed schema.graphql
over the demo account's invoices, dumped through our own API and held in memory; it runs
twice, with graphql-jit (`jit: 1`) and with plain graphql-js. Every answer is checked equal
to ours before any timing. wrk (8 connections, one thread) loads each server in turn,
alternating, for several rounds; each figure is the median over the rounds.

CPU per request is the server process's own CPU time (user + system, from /proc) over the
requests wrk counted. "Outside the store" takes away the time our app spent in database
commands (its /metrics `invoicegraph_db_command_cpu_seconds`: on the embedded store,
mongomock filtering and sorting in Python).
"""

import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import (
    ChildProcess,
    free_port,
    running_invoicegraph,
    spawn,
    wait_until_listening,
)
from bench.report import Section, table
from bench.selections import full_selection

CONNECTIONS = 8
SECONDS = 4.0
ROUNDS = 3
DEMO_KEY = "demo-key"
PEER_SERVER = Path(__file__).resolve().parent / "peer" / "server.mjs"
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"

DUMP_PAGE = (
    "query Dump($after: String) { invoices(first: 100, after: $after) { "
    f"edges {{ cursor node {{ {full_selection()} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
FULL = f"query Full {{ invoices(first: 100) {{ edges {{ node {{ {full_selection()} }} }} }} }}"
SMALL = (
    "query Small { invoices(first: 10) "
    "{ edges { node { invoiceNumber invoiceStatus invoiceTotal } } } }"
)
ONE = "query One($id: ID!) { invoice(invoiceId: $id) { invoiceNumber invoiceTotal } }"


UNKEPT = "ours, no answers kept"
NOTHING_KEPT = {"INVOICEGRAPH_COMPILED_ANSWER_MEMORY_MB": "0"}
"""Our server keeping no invoice answers (graph/compiled/answer_memo.py): every FULL page
built value by value, as on a first read of its invoices."""


@dataclass(frozen=True)
class Query:
    name: str
    body: bytes


@dataclass
class Load:
    """What one wrk run saw, and what the server spent meanwhile."""

    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int
    cpu: float
    store: float = 0.0

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.requests

    @property
    def outside_store_per_request(self) -> float:
        return (self.cpu - self.store) / self.requests


def process_cpu(pid: int) -> float:
    """Seconds of CPU the process (all its threads) has used: utime + stime."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def wrk_seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text}")
    return float(match[1]) * UNITS[match[2]]


def parse_wrk(output: str, cpu: float) -> Load:
    requests = re.search(r"(\d+) requests in ([\d.]+\w+),", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if requests is None or p50 is None or p99 is None:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    errors = sum(
        int(count) for count in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)
    ) + sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Load(
        requests=int(requests[1]),
        seconds=wrk_seconds(requests[2]),
        p50=wrk_seconds(p50[1]),
        p99=wrk_seconds(p99[1]),
        errors=errors,
        cpu=cpu,
    )


def wrk_script(directory: Path, name: str, query: Query | None) -> Path:
    """A wrk Lua script sending `query` as a POST to /graphql (or a GET of /healthz)."""
    path = directory / f"{name}.lua"
    if query is None:
        path.write_text('wrk.method = "GET"\nwrk.path = "/healthz"\n')
    else:
        path.write_text(
            'wrk.method = "POST"\nwrk.path = "/graphql"\n'
            f'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {DEMO_KEY}"\n'
            f"wrk.body = {json.dumps(query.body.decode())}\n"
        )
    return path


async def wrk(url: str, script: Path, seconds: float) -> str:
    process = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return output.decode()


async def store_seconds(session: aiohttp.ClientSession, url: str) -> float:
    """CPU seconds our app has spent in database commands, from its /metrics."""
    async with session.get(f"{url}/metrics") as response:
        text = await response.text()
    found = re.search(r"^invoicegraph_db_command_cpu_seconds_total (\S+)$", text, re.M)
    if found is None:
        raise RuntimeError(f"{url}/metrics has no invoicegraph_db_command_cpu_seconds_total")
    return float(found[1])


@dataclass
class Server:
    name: str
    child: ChildProcess
    ours: bool


async def load(
    session: aiohttp.ClientSession, server: Server, script: Path, seconds: float
) -> Load:
    store_before = await store_seconds(session, server.child.url) if server.ours else 0.0
    cpu_before = process_cpu(server.child.process.pid)
    output = await wrk(server.child.url, script, seconds)
    cpu = process_cpu(server.child.process.pid) - cpu_before
    result = parse_wrk(output, cpu)
    if server.ours:
        result.store = await store_seconds(session, server.child.url) - store_before
    return result


async def post(session: aiohttp.ClientSession, url: str, body: bytes) -> Any:
    headers = {"Authorization": f"Bearer {DEMO_KEY}", "Content-Type": "application/json"}
    async with session.post(f"{url}/graphql", data=body, headers=headers) as response:
        answer = await response.json(content_type=None)
        if response.status != 200 or "errors" in answer:
            raise RuntimeError(f"{url}: {response.status} {str(answer)[:300]}")
        return answer


async def dump_invoices(session: aiohttp.ClientSession, url: str) -> list[Any]:
    """Every invoice of the demo account, every field, in our order, through our API."""
    edges: list[Any] = []
    after = None
    while True:
        body = json.dumps({"query": DUMP_PAGE, "variables": {"after": after}}).encode()
        page = (await post(session, url, body))["data"]["invoices"]
        edges.extend(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return edges


@contextlib.asynccontextmanager
async def running_peer(output: Path, data: Path, jit: bool) -> AsyncIterator[ChildProcess]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "mercurius").is_dir():
        raise RuntimeError("the peer needs node and `npm ci` (fastify, mercurius)")
    port = free_port()
    arguments = [node, str(PEER_SERVER), str(port), str(data)]
    process = await spawn(arguments, output, {"PEER_JIT": "1" if jit else "0"})
    child = ChildProcess(process, port, output)
    try:
        await wait_until_listening(port, child, 30.0)
        yield child
    finally:
        await child.stop()


def median(loads: list[Load], figure: Callable[[Load], float]) -> float:
    return statistics.median(figure(one) for one in loads)


async def run(quick: bool = False) -> Section:
    if shutil.which("wrk") is None:
        raise RuntimeError("the peer section needs wrk (`make bench` installs it)")
    seconds, rounds = (2.0, 1) if quick else (SECONDS, ROUNDS)
    section = Section(
        f"peer: invoicegraph vs Fastify + Mercurius (Node), {CONNECTIONS} connections, wrk"
    )
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        data = directory / "invoices.json"
        async with (
            aiohttp.ClientSession() as session,
            running_invoicegraph(directory / "ours.log") as ours,
            running_invoicegraph(directory / "unkept.log", env=NOTHING_KEPT) as unkept,
        ):
            edges = await dump_invoices(session, ours.url)
            data.write_text(json.dumps({"invoices": edges}))
            one_id = edges[len(edges) // 2]["node"]["invoiceId"]
            queries = [
                Query("FULL", json.dumps({"query": FULL}).encode()),
                Query("SMALL", json.dumps({"query": SMALL}).encode()),
                Query("ONE", json.dumps({"query": ONE, "variables": {"id": one_id}}).encode()),
            ]
            async with (
                running_peer(directory / "jit.log", data, jit=True) as jit,
                running_peer(directory / "js.log", data, jit=False) as js,
            ):
                servers = [
                    Server("ours", ours, True),
                    Server("graphql-jit", jit, False),
                    Server("graphql-js", js, False),
                    Server(UNKEPT, unkept, True),
                ]
                for query in queries:
                    expected = (await post(session, ours.url, query.body))["data"]
                    for other in servers[1:]:
                        if (await post(session, other.child.url, query.body))["data"] != expected:
                            raise RuntimeError(f"{other.name} answers {query.name} differently")
                scripts = {q.name: wrk_script(directory, q.name, q) for q in queries}
                scripts["healthz"] = wrk_script(directory, "healthz", None)
                runs: list[tuple[Server, str]] = [(servers[0], "healthz")] + [
                    (server, q.name)
                    for q in queries
                    for server in servers
                    if server.name != UNKEPT or q.name == "FULL"
                ]
                for server, kind in runs:  # warm-up: JIT compilation, caches, plans
                    await load(session, server, scripts[kind], 1.0)
                loads: dict[tuple[str, str], list[Load]] = {}
                for _ in range(rounds):
                    for server, kind in runs:
                        result = await load(session, server, scripts[kind], seconds)
                        loads.setdefault((server.name, kind), []).append(result)
    healthz_cpu = median(loads["ours", "healthz"], lambda one: one.cpu_per_request)
    section.add(
        "our /healthz: requests/s",
        median(loads["ours", "healthz"], lambda one: one.throughput),
    )
    for query in queries:
        q = query.name
        ours_loads = loads["ours", q]
        for peer in ("graphql-jit", "graphql-js"):
            section.add(
                f"{q}: requests/s ours / {peer}",
                median(ours_loads, lambda one: one.throughput)
                / median(loads[peer, q], lambda one: one.throughput),
                "x",
            )
        for peer in ("graphql-jit", "graphql-js"):
            section.add(
                f"{q}: CPU per request ours / {peer}",
                median(ours_loads, lambda one: one.cpu_per_request)
                / median(loads[peer, q], lambda one: one.cpu_per_request),
                "x",
            )
        if q == "FULL":
            unkept_loads = loads[UNKEPT, q]
            section.add(
                f"{q}: requests/s ours, no answers kept / graphql-jit",
                median(unkept_loads, lambda one: one.throughput)
                / median(loads["graphql-jit", q], lambda one: one.throughput),
                "x",
            )
            section.add(
                f"{q}: CPU per request ours, no answers kept / graphql-jit",
                median(unkept_loads, lambda one: one.cpu_per_request)
                / median(loads["graphql-jit", q], lambda one: one.cpu_per_request),
                "x",
            )
        section.add(
            f"{q}: our CPU outside the store / our /healthz CPU",
            median(ours_loads, lambda one: one.outside_store_per_request) / healthz_cpu,
            "x",
        )
        for name in ("ours", "graphql-jit", "graphql-js"):
            section.add(
                f"{q}: p50 / p99 ms, {name}",
                f"{median(loads[name, q], lambda one: one.p50) * 1000:.2f} / "
                f"{median(loads[name, q], lambda one: one.p99) * 1000:.2f}",
            )
        section.add(
            f"{q}: our p99 / p50",
            median(ours_loads, lambda one: one.p99) / median(ours_loads, lambda one: one.p50),
            "x",
        )
    section.add("errors (all runs)", sum(one.errors for runs in loads.values() for one in runs))
    section.notes.append(
        f"{len(edges)} invoices of `demo`, answers checked equal first; wrk -t1 -c{CONNECTIONS}, "
        f"{seconds:.0f} s per run, servers alternating, medians of {rounds} rounds; CPU from /proc"
    )
    section.raw = {
        f"{name} {kind}": [
            {
                "requests_per_second": one.throughput,
                "cpu_ms_per_request": one.cpu_per_request * 1000,
                "store_ms_per_request": one.store / one.requests * 1000,
                "p50_ms": one.p50 * 1000,
                "p99_ms": one.p99 * 1000,
                "errors": one.errors,
            }
            for one in runs
        ]
        for (name, kind), runs in loads.items()
    }
    return section


if __name__ == "__main__":
    print(table([asyncio.run(run())]))
