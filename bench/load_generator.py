"""A closed-loop load generator: N clients, each sending its next request when the last answered.

It runs in the caller's process against a server in another one, for a fixed time, and
stops by itself. Latency is measured per request from send to the last byte read.
"""

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import aiohttp

from bench.workload import Request

Call = Callable[[aiohttp.ClientSession], Awaitable[str | None]]
"""Sends one request; returns what was wrong with the answer, or None when it was right."""

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
KEPT_ERRORS = 20


@dataclass
class LoadReport:
    """What a run of the generator saw."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    error_count: int = 0
    errors: list[str] = field(default_factory=list)
    """The first few errors, described."""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, percent: int) -> float:
        """The latency below which `percent`% of the requests fall, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1]

    def describe(self) -> str:
        return (
            f"{self.requests} requests in {self.seconds:.1f}s: {self.throughput:.1f}/s, "
            f"p50 {self.percentile(50) * 1000:.1f} ms, p99 {self.percentile(99) * 1000:.1f} ms, "
            f"{self.error_count} errors; mix {dict(self.kinds)}"
        )


def graphql_call(url: str, key: str, request: Request) -> Call:
    """POST `request` to `url`/graphql; any error in the answer (or its payload) is wrong."""
    headers = {"Authorization": f"Bearer {key}"}
    body = {"query": request.query, "variables": request.variables}

    async def call(session: aiohttp.ClientSession) -> str | None:
        async with session.post(f"{url}/graphql", json=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            errors = request.errors_in(answer)
            if response.status != 200 or errors or not answer.get("data"):
                return f"{request.kind}: {response.status} {errors[:1]}"
            return None

    return call


def get_call(url: str, path: str) -> Call:
    """GET `url``path`; anything but 200 is wrong."""

    async def call(session: aiohttp.ClientSession) -> str | None:
        async with session.get(f"{url}{path}") as response:
            await response.read()
            return None if response.status == 200 else f"GET {path}: {response.status}"

    return call


async def drive(calls: Iterator[tuple[str, Call]], concurrency: int, seconds: float) -> LoadReport:
    """Keep `concurrency` requests in flight for `seconds`, on as many connections."""
    report = LoadReport()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                kind, call = next(calls)
                sent = time.perf_counter()
                try:
                    problem = await call(session)
                except (aiohttp.ClientError, TimeoutError) as error:
                    problem = f"{kind}: {error!r}"
                report.latencies.append(time.perf_counter() - sent)
                report.kinds[kind] += 1
                if problem is not None:
                    report.error_count += 1
                    if len(report.errors) < KEPT_ERRORS:
                        report.errors.append(problem)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        report.seconds = time.perf_counter() - started
    return report
