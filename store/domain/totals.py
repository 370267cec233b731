"""Totals that must agree on a new invoice: lines -> orders -> invoice, and the taxes.

Amounts are exact decimals, so "agree" means equal to the last digit given: a cent
off (or less) is a mismatch, reported with both sides and the difference.
"""

from decimal import Decimal

from store.domain.documents import InvoiceBody
from store.domain.money import decimal_text
from store.domain.refusals import INVALID_INPUT, Refusal, field_path


def _mismatch(path: str, stated: Decimal, what: str, computed: Decimal) -> Refusal:
    return Refusal(
        INVALID_INPUT,
        f"{path} is {decimal_text(stated)} but {what} add up to {decimal_text(computed)} "
        f"(off by {decimal_text(stated - computed)})",
        path,
    )


def _required(path: str, purpose: str) -> Refusal:
    return Refusal(INVALID_INPUT, f"{path} is required {purpose}", path)


def totals_problems(invoice: InvoiceBody) -> list[Refusal]:
    """Every disagreement between the totals of an invoice; empty when they reconcile."""
    problems: list[Refusal] = []
    order_totals: list[Decimal] = []
    for position, order in enumerate(invoice.orders or []):
        order_path = field_path(["orders", position])
        items = order.items or []
        line_totals = []
        for index, item in enumerate(items):
            if item.invoiceLineTotal is None:
                path = field_path(["orders", position, "items", index, "invoiceLineTotal"])
                problems.append(_required(path, "to reconcile the order total"))
            else:
                line_totals.append(item.invoiceLineTotal)
        if order.invoiceOrderTotal is None:
            problems.append(
                _required(f"{order_path}.invoiceOrderTotal", "to reconcile the invoice total")
            )
            continue
        order_totals.append(order.invoiceOrderTotal)
        if items and len(line_totals) == len(items):
            lines = sum(line_totals, Decimal(0))
            if lines != order.invoiceOrderTotal:
                problems.append(
                    _mismatch(
                        f"{order_path}.invoiceOrderTotal",
                        order.invoiceOrderTotal,
                        "its items' invoiceLineTotal",
                        lines,
                    )
                )
    orders = invoice.orders or []
    if orders and len(order_totals) == len(orders) and invoice.invoiceTotal is not None:
        total = sum(order_totals, Decimal(0))
        if total != invoice.invoiceTotal:
            problems.append(
                _mismatch(
                    "invoiceTotal", invoice.invoiceTotal, "the orders' invoiceOrderTotal", total
                )
            )
    items = [item for order in orders for item in order.items or []]
    if invoice.totalTaxAmount is not None and items:
        taxes = sum(
            (item.itemTaxTotal for item in items if item.itemTaxTotal is not None), Decimal(0)
        )
        if taxes != invoice.totalTaxAmount:
            problems.append(
                _mismatch(
                    "totalTaxAmount", invoice.totalTaxAmount, "the items' itemTaxTotal", taxes
                )
            )
    return problems
