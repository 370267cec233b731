"""Deterministic demo invoices in fabric's shape, for a store that starts empty.

The same seed gives the same invoices: every choice comes from one `random.Random(seed)`,
never from the global generator or the clock. Money is exact (Decimal, two places) and
reconciles on every invoice:

    invoiceLineTotal  = invoiceQuantity * itemUnitPrice - itemDiscountsTotal
                        + itemTaxTotal + itemFeeTotal
    invoiceOrderTotal = sum of the order's items' invoiceLineTotal
    invoiceTotal      = sum of the orders' invoiceOrderTotal
    totalTaxAmount    = sum of the items' itemTaxTotal

The payments of an order add up to its invoiceOrderTotal. Returns and most appeasements
bill orders that a shipping invoice of the same account shipped.

The package plans sales (`planning`), then renders the planned invoices as fabric's documents
(`rendering`, with `parties` for the people and places), from the reference data in `catalog`.
"""

import random
from collections.abc import Sequence

from seeds.demo.draws import UniqueIds
from seeds.demo.planning import plan_invoices
from seeds.demo.rendering import render_invoices
from store.domain.documents import Invoice


def generate_demo_invoices(
    accounts: Sequence[str] = ("demo", "acme"), per_account: int = 600, seed: int = 20221
) -> list[Invoice]:
    """Build `per_account` invoices for each account; the same seed gives the same invoices."""
    rng = random.Random(seed)
    ids = UniqueIds(rng)
    invoices: list[Invoice] = []
    for account in accounts:
        planned = plan_invoices(rng, ids, per_account)
        invoices.extend(render_invoices(rng, ids, account, planned))
    return invoices
