"""InvoiceSummary: counts and exact sums of the invoices a filter selects.

The store's `InvoiceSummary` and `InvoiceTotals` (store/invoice_summary.py) serve as
these objects: Strawberry reads their fields by attribute.
"""

import strawberry

from graph.types.enums import InvoiceStatus, InvoiceType
from graph.types.scalars import Decimal
from store import invoice_summary

_COUNT = "Number of invoices."
_TOTAL = "Sum of their invoiceTotal, exact."
_TAX = "Sum of their totalTaxAmount, exact (0 when none has one)."
_CURRENCY = "The currency of the amounts (null for invoices without one)."


@strawberry.type(description="Invoices of one status, type and currency.")
class InvoiceGroupTotals:
    invoiceStatus: InvoiceStatus | None = strawberry.field(description="Their invoiceStatus.")
    invoiceType: InvoiceType | None = strawberry.field(description="Their invoiceType.")
    currency: str | None = strawberry.field(description=_CURRENCY)
    count: int = strawberry.field(description=_COUNT)
    invoiceTotal: Decimal = strawberry.field(description=_TOTAL)
    totalTaxAmount: Decimal = strawberry.field(description=_TAX)


@strawberry.type(description="Invoices of one status in one currency.")
class InvoiceStatusTotals:
    invoiceStatus: InvoiceStatus | None = strawberry.field(description="Their invoiceStatus.")
    currency: str | None = strawberry.field(description=_CURRENCY)
    count: int = strawberry.field(description=_COUNT)
    invoiceTotal: Decimal = strawberry.field(description=_TOTAL)
    totalTaxAmount: Decimal = strawberry.field(description=_TAX)


@strawberry.type(description="Invoices of one type in one currency.")
class InvoiceTypeTotals:
    invoiceType: InvoiceType | None = strawberry.field(description="Their invoiceType.")
    currency: str | None = strawberry.field(description=_CURRENCY)
    count: int = strawberry.field(description=_COUNT)
    invoiceTotal: Decimal = strawberry.field(description=_TOTAL)
    totalTaxAmount: Decimal = strawberry.field(description=_TAX)


@strawberry.type(description="Invoices in one currency.")
class CurrencyTotals:
    currency: str | None = strawberry.field(description=_CURRENCY)
    count: int = strawberry.field(description=_COUNT)
    invoiceTotal: Decimal = strawberry.field(description=_TOTAL)
    totalTaxAmount: Decimal = strawberry.field(description=_TAX)


@strawberry.type(
    description=(
        "Counts and exact money sums of the invoices a filter selects. Amounts are only "
        "added within one currency."
    )
)
class InvoiceSummary:
    summary: strawberry.Private[invoice_summary.InvoiceSummary]

    @strawberry.field(description="Number of invoices selected.")
    def count(self) -> int:
        return self.summary.count

    @strawberry.field(description="Totals per invoiceStatus, invoiceType and currency.")
    def groups(self) -> list[InvoiceGroupTotals]:
        return self.summary.groups  # type: ignore[return-value]

    @strawberry.field(description="Totals per invoiceStatus and currency.")
    def byStatus(self) -> list[InvoiceStatusTotals]:
        return self.summary.by_status()  # type: ignore[return-value]

    @strawberry.field(description="Totals per invoiceType and currency.")
    def byType(self) -> list[InvoiceTypeTotals]:
        return self.summary.by_type()  # type: ignore[return-value]

    @strawberry.field(description="Totals per currency.")
    def byCurrency(self) -> list[CurrencyTotals]:
        return self.summary.by_currency()  # type: ignore[return-value]
