"""invoiceSummary: exact counts and sums, grouped, from one aggregation."""

from collections import defaultdict
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

import pytest

from seeds.demo import generate_demo_invoices
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus, InvoiceType
from store.invoices import Scope
from tests.backends import expect_stand_in_gap
from tests.conftest import GraphQLClient, ServeFactory
from tests.store.test_wire_server_gaps import SUM_OVERFLOW_GAP

TOTALS = "count invoiceTotal totalTaxAmount"
SUMMARY = f"""
query Summary($filter: InvoiceFilter) {{
  invoiceSummary(filter: $filter) {{
    count
    groups {{ invoiceStatus invoiceType currency {TOTALS} }}
    byStatus {{ invoiceStatus currency {TOTALS} }}
    byType {{ invoiceType currency {TOTALS} }}
    byCurrency {{ currency {TOTALS} }}
  }}
}}
"""

# On both backends: on MongoDB a long $sum reaches the store as PyMongo's Int64, which the
# overflow check once took for an inexact double (SUM_OUT_OF_RANGE for every large sum).
pytestmark = pytest.mark.both_backends

Key = Callable[[Invoice], tuple[Hashable, ...]]


async def seed(client: GraphQLClient) -> list[Invoice]:
    generated = generate_demo_invoices(per_account=40)
    for account in ("demo", "acme"):
        mine = [invoice for invoice in generated if invoice.account == account]
        await client.invoices.scoped(Scope(account)).insert_many(mine)
    return [invoice for invoice in generated if invoice.account == "demo"]


def brute_force(invoices: list[Invoice], key: Key) -> dict[tuple[Hashable, ...], list[Any]]:
    """count, exact invoiceTotal and totalTaxAmount sums per key, in Decimal."""
    totals: dict[tuple[Hashable, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for invoice in invoices:
        entry = totals[key(invoice)]
        entry[0] += 1
        entry[1] += invoice.invoiceTotal
        entry[2] += invoice.totalTaxAmount or Decimal(0)
    return dict(totals)


def served(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[Any, list[Any]]:
    return {
        tuple(row[name] for name in names): [
            row["count"],
            Decimal(row["invoiceTotal"]),
            Decimal(row["totalTaxAmount"]),
        ]
        for row in rows
    }


def status(invoice: Invoice) -> str | None:
    return invoice.invoiceStatus.value if invoice.invoiceStatus else None


def kind(invoice: Invoice) -> str | None:
    return invoice.invoiceType.value if invoice.invoiceType else None


def check(summary: dict[str, Any], invoices: list[Invoice]) -> None:
    assert summary["count"] == len(invoices)
    rollups: list[tuple[str, tuple[str, ...], Key]] = [
        (
            "groups",
            ("invoiceStatus", "invoiceType", "currency"),
            lambda i: (status(i), kind(i), i.currency),
        ),
        ("byStatus", ("invoiceStatus", "currency"), lambda i: (status(i), i.currency)),
        ("byType", ("invoiceType", "currency"), lambda i: (kind(i), i.currency)),
        ("byCurrency", ("currency",), lambda i: (i.currency,)),
    ]
    for name, fields, key in rollups:
        assert served(summary[name], fields) == brute_force(invoices, key), name


async def test_summary_matches_brute_force_in_one_command(serve: ServeFactory) -> None:
    client = await serve()
    invoices = await seed(client)
    visible = [i for i in invoices if i.invoiceStatus is not InvoiceStatus.DELETED]
    before = client.commands
    summary = (await client.data(SUMMARY))["invoiceSummary"]
    assert client.commands - before == 1
    check(summary, visible)
    assert len(summary["byCurrency"]) > 1
    # Sums are exact decimal text, never floats: "12.50" rather than 12.5.
    assert all("." in row["invoiceTotal"] for row in summary["byCurrency"])


async def test_summary_applies_the_filter(serve: ServeFactory) -> None:
    client = await serve()
    invoices = await seed(client)
    filter = {"invoiceType": {"in": ["RETURN", "APPEASEMENT"]}, "currency": {"ne": "TRY"}}
    summary = (await client.data(SUMMARY, {"filter": filter}))["invoiceSummary"]
    chosen = [
        invoice
        for invoice in invoices
        if kind(invoice) in ("RETURN", "APPEASEMENT")
        and invoice.currency != "TRY"
        and invoice.invoiceStatus is not InvoiceStatus.DELETED
    ]
    assert chosen
    check(summary, chosen)
    deleted = {"invoiceStatus": {"eq": "DELETED"}}
    summary = (await client.data(SUMMARY, {"filter": deleted}))["invoiceSummary"]
    check(summary, [i for i in invoices if i.invoiceStatus is InvoiceStatus.DELETED])


async def test_summary_of_nothing_is_empty(serve: ServeFactory) -> None:
    client = await serve()
    summary = (await client.data(SUMMARY))["invoiceSummary"]
    assert summary == {"count": 0, "groups": [], "byStatus": [], "byType": [], "byCurrency": []}


async def test_summary_refuses_a_sum_beyond_64_bits(
    serve: ServeFactory, request: pytest.FixtureRequest
) -> None:
    expect_stand_in_gap(request, SUM_OVERFLOW_GAP)
    client = await serve()
    largest = Decimal("9223372036854.775807")  # 2**63 - 1 millionths, the largest amount
    invoices = [
        invoice.model_copy(
            update={
                "invoiceTotal": largest,
                "totalTaxAmount": None,
                "invoiceStatus": InvoiceStatus.ISSUED,
                "invoiceType": InvoiceType.SHIPPING,
                "currency": "TRY",
            }
        )
        for invoice in generate_demo_invoices(per_account=2)
        if invoice.account == "demo"
    ]
    await client.invoices.scoped(Scope("demo")).insert_many(invoices)

    status, body = await client.post(SUMMARY)

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SUM_OUT_OF_RANGE"
    assert error["message"] == (
        "Cannot sum the invoices: the invoiceTotal of a group is out of range: "
        "sums must stay below 9223372036854.775808; filter to fewer invoices"
    )


async def test_summary_adds_amounts_beyond_32_bits_exactly(serve: ServeFactory) -> None:
    """Regression: MongoDB sums 64-bit integers into a 64-bit one, PyMongo's Int64."""
    client = await serve()
    amount = Decimal("4000.000001")  # 4,000,000,001 millionths: beyond 32 bits
    invoices = [
        invoice.model_copy(
            update={
                "invoiceTotal": amount,
                "totalTaxAmount": None,
                "invoiceStatus": InvoiceStatus.ISSUED,
                "invoiceType": InvoiceType.SHIPPING,
                "currency": "TRY",
            }
        )
        for invoice in generate_demo_invoices(per_account=3)
        if invoice.account == "demo"
    ]
    await client.invoices.scoped(Scope("demo")).insert_many(invoices)

    summary = (await client.data(SUMMARY))["invoiceSummary"]

    assert summary["byCurrency"] == [
        {
            "currency": "TRY",
            "count": len(invoices),
            "invoiceTotal": str(amount * len(invoices)),
            "totalTaxAmount": "0.00",
        }
    ]
