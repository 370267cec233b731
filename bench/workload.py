"""The standard requests: what the load test sends and the benchmarks measure.

A mix of what clients do most: look an invoice up, list a filtered page, summarize, and
change an invoice's attributes.
"""

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bench.selections import full_selection

LOOKUP = """
query Lookup($id: ID!) {
  invoice(invoiceId: $id) { invoiceId invoiceNumber invoiceStatus invoiceTotal currency }
}
"""
SMALL_PAGE = """
query SmallPage {
  invoices(first: 10) { edges { node { invoiceNumber invoiceStatus invoiceTotal } } }
}
"""
FULL_PAGE = (
    f"query FullPage {{ invoices(first: 100) {{ edges {{ node {{ {full_selection()} }} }} }} }}"
)
FILTERED_PAGE = """
query FilteredPage($status: InvoiceStatus!) {
  invoices(
    first: 20
    filter: {invoiceStatus: {eq: $status}}
    sort: [{field: INVOICE_TOTAL, direction: DESC}]
  ) {
    totalCount
    edges { cursor node { invoiceNumber invoiceTotal customer { email } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SUMMARY = """
query Summary($type: InvoiceType!) {
  invoiceSummary(filter: {invoiceType: {eq: $type}}) {
    count
    byCurrency { currency count invoiceTotal totalTaxAmount }
  }
}
"""
ATTRIBUTES_UPDATE = """
mutation Tag($id: ID!, $attributes: JSON!) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: $attributes) {
    invoice { invoiceId version }
    errors { code message }
  }
}
"""
INVOICE_IDS = "query Ids { invoices(first: 100) { edges { node { invoiceId } } } }"

STATUSES = ("CAPTURED", "SETTLED", "ISSUED", "PARTIAL_SETTLED")
TYPES = ("SHIPPING", "RETURN", "APPEASEMENT")


@dataclass(frozen=True)
class Request:
    """One request of the workload: its kind (for reporting), document and variables."""

    kind: str
    query: str
    variables: dict[str, Any] | None = None

    def errors_in(self, body: dict[str, Any]) -> list[Any]:
        """Every error of the answer, mutation payload errors included."""
        errors = list(body.get("errors", []))
        if self.kind == "mutation" and body.get("data"):
            errors.extend(body["data"]["invoiceAttributesUpdate"]["errors"])
        return errors


class MixedWorkload:
    """An endless, reproducible sequence of requests in fixed proportions."""

    # Out of 10 requests: 4 lookups, 3 filtered pages, 2 summaries, 1 mutation.
    MIX = ("lookup",) * 4 + ("filtered_page",) * 3 + ("summary",) * 2 + ("mutation",)

    def __init__(self, invoice_ids: Sequence[str], seed: int = 8) -> None:
        if not invoice_ids:
            raise ValueError("the workload needs invoices to look up")
        self._ids = list(invoice_ids)
        self._random = random.Random(seed)
        self._serial = itertools.count()

    def __iter__(self) -> Iterator[Request]:
        return self

    def __next__(self) -> Request:
        kind = self._random.choice(self.MIX)
        invoice_id = self._random.choice(self._ids)
        if kind == "lookup":
            return Request(kind, LOOKUP, {"id": invoice_id})
        if kind == "filtered_page":
            return Request(kind, FILTERED_PAGE, {"status": self._random.choice(STATUSES)})
        if kind == "summary":
            return Request(kind, SUMMARY, {"type": self._random.choice(TYPES)})
        attributes = {"loadTestTag": next(self._serial)}
        return Request("mutation", ATTRIBUTES_UPDATE, {"id": invoice_id, "attributes": attributes})
