"""Timing side by side: two things measured alternately, so both see the same machine."""

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pair:
    """Median seconds of a measured thing and of its baseline, taken in alternation."""

    measured: float
    baseline: float

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


def timed_sync(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


async def side_by_side(
    measured: Callable[[], Awaitable[object]], baseline: Callable[[], object], rounds: int
) -> Pair:
    """Run both `rounds` times, alternating, after one warm-up each; the medians."""
    await measured()
    baseline()
    measured_times, baseline_times = [], []
    for _ in range(rounds):
        measured_times.append(await timed(measured))
        baseline_times.append(timed_sync(baseline))
    return Pair(statistics.median(measured_times), statistics.median(baseline_times))


async def median_seconds(action: Callable[[], Awaitable[object]], rounds: int) -> float:
    return statistics.median([await timed(action) for _ in range(rounds)])
