"""Random draws of the demo data from the one seeded generator: ids, digits, tokens, moments."""

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from seeds.demo.catalog import TOKEN_CHARACTERS

T = TypeVar("T")


class UniqueIds:
    """Identifiers drawn from the seeded generator, each issued at most once."""

    def __init__(self, rng: random.Random) -> None:
        """Draw from `rng`, the generator everything else draws from too."""
        self._rng = rng
        self._issued: set[str] = set()

    def _unique(self, draw: Callable[[], str]) -> str:
        """Draw until the value is new: rare, but a repeated id would break lookups."""
        value = draw()
        while value in self._issued:
            value = draw()
        self._issued.add(value)
        return value

    def object_id(self, when: datetime) -> str:
        """A MongoDB ObjectId's shape: the creation second, then eight random bytes."""
        seconds = int(when.timestamp())
        return self._unique(lambda: f"{seconds:08x}{self._rng.getrandbits(64):016x}")

    def uuid(self) -> str:
        """A random (version 4) UUID, as line item ids are."""
        return self._unique(lambda: str(uuid.UUID(int=self._rng.getrandbits(128), version=4)))

    def number(self, digits: int) -> str:
        """A number of `digits` digits, as order and shipment numbers are."""
        return self._unique(lambda: str(self._rng.randrange(10 ** (digits - 1), 10**digits)))


def weighted_choice(rng: random.Random, weights: Mapping[T, int]) -> T:
    """One of the keys, drawn in proportion to its weight."""
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def fill_digits(rng: random.Random, pattern: str) -> str:
    """The pattern with each '#' replaced by a random digit."""
    count = pattern.count("#")
    digits = iter(f"{rng.randrange(10**count):0{count}d}")
    return "".join(next(digits) if char == "#" else char for char in pattern)


def draw_token(rng: random.Random, prefix: str, length: int = 14) -> str:
    """A payment provider's opaque token, such as 'pi_3MtwBwLkdIwHu7'."""
    return prefix + "".join(rng.choices(TOKEN_CHARACTERS, k=length))


def moment_after(rng: random.Random, start: datetime, days: tuple[int, int]) -> datetime:
    """A random moment some whole days plus a random part of a day after `start`."""
    return start + timedelta(days=rng.randint(*days), seconds=rng.randrange(86_400))
