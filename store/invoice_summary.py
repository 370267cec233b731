"""Invoice summaries: counts and exact money sums, grouped in one aggregation.

Sums add the integer companions under `_units` (docs/money-and-time.md), so they are
exact on both backends; rollups add those integers again before converting back.
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from store.domain.enums import InvoiceStatus, InvoiceType
from store.domain.money import UNITS_LIMIT, from_units
from store.invoices import ScopedInvoices

EnumT = TypeVar("EnumT", bound=Enum)


class SumOutOfRange(ValueError):
    """A group's sum left the 64-bit range that MongoDB adds exactly."""


@dataclass(frozen=True)
class InvoiceTotals:
    """The invoices of one group: how many, and what they add up to.

    A dimension a rollup does not group by is None (`byCurrency` has no status).
    """

    invoiceStatus: InvoiceStatus | None
    invoiceType: InvoiceType | None
    currency: str | None
    count: int
    invoice_total_units: int
    total_tax_units: int

    @property
    def invoiceTotal(self) -> Decimal:
        return from_units(self.invoice_total_units)

    @property
    def totalTaxAmount(self) -> Decimal:
        return from_units(self.total_tax_units)


@dataclass(frozen=True)
class InvoiceSummary:
    """Totals per (invoiceStatus, invoiceType, currency), and their rollups."""

    groups: list[InvoiceTotals]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)

    def by_currency(self) -> list[InvoiceTotals]:
        return _rollup(self.groups, lambda g: (None, None, g.currency))

    def by_status(self) -> list[InvoiceTotals]:
        return _rollup(self.groups, lambda g: (g.invoiceStatus, None, g.currency))

    def by_type(self) -> list[InvoiceTotals]:
        return _rollup(self.groups, lambda g: (None, g.invoiceType, g.currency))


async def summarize_invoices(
    invoices: ScopedInvoices, criteria: Mapping[str, Any] | None
) -> InvoiceSummary:
    """The summary of the scope's invoices matching `criteria`, in one aggregate command."""
    stages: list[dict[str, Any]] = [{"$match": dict(criteria)}] if criteria else []
    stages.append(
        {
            "$group": {
                "_id": {
                    "invoiceStatus": "$invoiceStatus",
                    "invoiceType": "$invoiceType",
                    "currency": "$currency",
                },
                "count": {"$sum": 1},
                "invoiceTotal": {"$sum": "$_units.invoiceTotal"},
                "totalTaxAmount": {"$sum": "$_units.totalTaxAmount"},
            }
        }
    )
    rows = await invoices.aggregate(stages)
    groups = [
        InvoiceTotals(
            invoiceStatus=_optional(InvoiceStatus, row["_id"].get("invoiceStatus")),
            invoiceType=_optional(InvoiceType, row["_id"].get("invoiceType")),
            currency=row["_id"].get("currency"),
            count=row["count"],
            invoice_total_units=_exact_sum(row["invoiceTotal"], "invoiceTotal"),
            total_tax_units=_exact_sum(row["totalTaxAmount"], "totalTaxAmount"),
        )
        for row in rows
    ]
    return InvoiceSummary(sorted(groups, key=_order))


def _exact_sum(units: object, field: str) -> int:
    """The summed companions, refused once they overflow 64 bits.

    MongoDB turns an overflowing long $sum into an inexact double; the values stay exact
    integers on mongomock, so both are refused at the same bound. A long sum reaches us as
    PyMongo's Int64 (an int), an int sum as int: both are exact.
    """
    if isinstance(units, bool) or not isinstance(units, int) or abs(units) >= UNITS_LIMIT:
        raise SumOutOfRange(
            f"the {field} of a group is out of range: sums must stay below "
            f"{from_units(UNITS_LIMIT)}; filter to fewer invoices"
        )
    return int(units)


def _optional(kind: type[EnumT], value: str | None) -> EnumT | None:
    return None if value is None else kind(value)


Dimensions = tuple[InvoiceStatus | None, InvoiceType | None, str | None]


def _rollup(
    groups: list[InvoiceTotals], dimensions: Callable[[InvoiceTotals], Dimensions]
) -> list[InvoiceTotals]:
    """Groups merged by fewer dimensions, adding counts and units exactly."""
    merged: dict[Hashable, InvoiceTotals] = {}
    for group in groups:
        status, kind, currency = key = dimensions(group)
        seen = merged.get(key)
        merged[key] = InvoiceTotals(
            invoiceStatus=status,
            invoiceType=kind,
            currency=currency,
            count=group.count + (seen.count if seen else 0),
            invoice_total_units=group.invoice_total_units
            + (seen.invoice_total_units if seen else 0),
            total_tax_units=group.total_tax_units + (seen.total_tax_units if seen else 0),
        )
    return sorted(merged.values(), key=_order)


def _order(totals: InvoiceTotals) -> tuple[str, str, str]:
    """A stable order for the client: by currency, then status, then type."""
    return (
        totals.currency or "",
        totals.invoiceStatus.value if totals.invoiceStatus else "",
        totals.invoiceType.value if totals.invoiceType else "",
    )
