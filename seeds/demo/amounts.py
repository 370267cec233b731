"""Exact money of the demo data: Decimal amounts to the cent, rounded half up."""

import random
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    """The amount rounded half up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def prorate(amount: Decimal, part: int, whole: int) -> Decimal:
    """The share of `amount` that `part` of `whole` units carry, to the cent."""
    return to_cents(amount * part / whole)


def split_exactly(rng: random.Random, total: Decimal, count: int) -> list[Decimal]:
    """At most `count` amounts of at least a cent each, adding up exactly to `total`."""
    cents = int(total / CENT)
    if cents < count:
        return [total]
    cuts = sorted(rng.sample(range(1, cents), count - 1))
    return [(high - low) * CENT for low, high in pairwise([0, *cuts, cents])]


def totals_by_type(amounts: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """(type, amount) pairs summed per type, in first-seen order."""
    totals: dict[str, Decimal] = {}
    for kind, amount in amounts:
        totals[kind] = totals.get(kind, ZERO) + amount
    return list(totals.items())
