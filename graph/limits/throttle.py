"""Per-key cost budgets: a leaky bucket per API key, refilled at a steady rate.

Each request takes its calculated cost from its key's bucket; a bucket holds at most
`capacity` points and regains `restore_rate` points a second, so bursts are fine while
the average stays under the rate (Shopify's model). Buckets live in this process.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleStatus:
    """A bucket as the client sees it in `extensions.cost.throttleStatus`."""

    maximumAvailable: float
    currentlyAvailable: float
    restoreRate: float


@dataclass
class _Bucket:
    available: float
    at: float


class CostBuckets:
    """The buckets of every key that spent in this process."""

    def __init__(
        self, capacity: float, restore_rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity <= 0 or restore_rate <= 0:
            raise ValueError("a cost budget needs a positive capacity and restore rate")
        self.capacity, self.restore_rate, self._clock = capacity, restore_rate, clock
        self._buckets: dict[str, _Bucket] = {}

    def _refilled(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            regained = (now - bucket.at) * self.restore_rate
            bucket.available = min(self.capacity, bucket.available + regained)
            bucket.at = now
        return bucket

    def spend(self, key: str, cost: int) -> float | None:
        """Take `cost` from the key's bucket: None when taken, else the seconds to wait."""
        bucket = self._refilled(key)
        if cost <= bucket.available:
            bucket.available -= cost
            return None
        missing = min(cost, self.capacity) - bucket.available
        # Rounded up to the millisecond, so retrying after it always succeeds.
        return math.ceil(missing / self.restore_rate * 1000) / 1000

    def status(self, key: str) -> ThrottleStatus:
        bucket = self._refilled(key)
        return ThrottleStatus(
            maximumAvailable=self.capacity,
            currentlyAvailable=math.floor(bucket.available * 1000) / 1000,
            restoreRate=self.restore_rate,
        )
