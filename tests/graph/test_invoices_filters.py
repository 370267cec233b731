"""Every filter operator on every field, against a brute-force filter of the same invoices."""

import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from seeds.demo import generate_demo_invoices
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus, InvoiceType, StatusCode
from store.invoice_filters import FilterField, Operator
from store.invoices import Scope, from_document
from store.keyset import SortKey
from tests.conftest import GraphQLClient, ServeFactory

PER_ACCOUNT = 90

FILTERED = """
query Filtered($filter: InvoiceFilter) {
  invoices(first: 100, filter: $filter) {
    totalCount
    edges { node { invoiceId } }
    pageInfo { hasNextPage }
  }
}
"""


def _values(invoice: Invoice, field: FilterField) -> list[Any]:
    """Every value the invoice holds for a filter field ([] when it has none)."""
    orders = invoice.orders or []
    found: list[Any]
    match field:
        case FilterField.ORDER_NUMBER:
            found = [order.orderNumber for order in orders]
        case FilterField.ORDER_ID:
            found = [order.orderId for order in orders]
        case FilterField.SKU:
            found = [item.sku for order in orders for item in order.items or []]
        case FilterField.CUSTOMER_EMAIL:
            found = [invoice.customer.email if invoice.customer else None]
        case _:
            found = [getattr(invoice, field.value)]
    return [value.value if hasattr(value, "value") else value for value in found if value]


def brute_force(invoice: Invoice, field: FilterField, operator: Operator, operand: Any) -> bool:
    """MongoDB's reading: eq, in and ranges hold for any value; ne and nin for none.

    Deleted invoices count only when the condition names DELETED with eq or in.
    """
    named = [operand] if operator is Operator.EQ else operand if operator is Operator.IN else []
    asks_for_deleted = field is FilterField.INVOICE_STATUS and "DELETED" in named
    if invoice.invoiceStatus is InvoiceStatus.DELETED and not asks_for_deleted:
        return False
    values = _values(invoice, field)
    if field is FilterField.CUSTOMER_EMAIL:  # compared without regard to case
        values = [value.casefold() for value in values]
        operand = (
            [v.casefold() for v in operand] if isinstance(operand, list) else operand.casefold()
        )
    tests: dict[Operator, Callable[[Any], bool]] = {
        Operator.EQ: lambda value: value == operand,
        Operator.NE: lambda value: value == operand,
        Operator.IN: lambda value: value in operand,
        Operator.NIN: lambda value: value in operand,
        Operator.LT: lambda value: value < operand,
        Operator.LTE: lambda value: value <= operand,
        Operator.GT: lambda value: value > operand,
        Operator.GTE: lambda value: value >= operand,
        Operator.STARTS_WITH: lambda value: value.startswith(operand),
    }
    hit = any(tests[operator](value) for value in values)
    return not hit if operator in (Operator.NE, Operator.NIN) else hit


ENUMS: dict[FilterField, type[Enum]] = {
    FilterField.INVOICE_STATUS: InvoiceStatus,
    FilterField.INVOICE_TYPE: InvoiceType,
    FilterField.STATUS_CODE: StatusCode,
}
ORDERED = {FilterField.INVOICE_DATE, FilterField.CREATED_AT, FilterField.INVOICE_TOTAL}
PREFIXED = {FilterField.INVOICE_NUMBER, FilterField.ORDER_NUMBER, FilterField.SKU}


def cases(invoices: list[Invoice], field: FilterField) -> Iterator[tuple[Operator, Any, Any]]:
    """(operator, value as sent, value as compared) for every operator the field takes."""
    present = sorted({value for invoice in invoices for value in _values(invoice, field)})
    common = max(present, key=lambda v: sum(v in _values(i, field) for i in invoices))
    some = present[:: max(1, len(present) // 3)][:3]
    absent: Any = "2001-01-01T00:00:00Z" if field in ORDERED else "no-such-value"
    if field is FilterField.INVOICE_TOTAL:
        absent = Decimal("0.000001")
    if field in ENUMS:
        # An enum value no invoice has, when there is one (the others are refused).
        absent = next((m.value for m in ENUMS[field] if m.value not in present), common)

    def sent(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    for value in (common, present[-1], absent):
        yield Operator.EQ, sent(value), value
        yield Operator.NE, sent(value), value
    yield Operator.IN, [sent(v) for v in [*some, absent]], [*some, absent]
    yield Operator.NIN, [sent(v) for v in [*some, absent]], [*some, absent]
    yield Operator.IN, [], []
    if field is FilterField.INVOICE_STATUS:
        # Naming DELETED (eq, in) is how a listing asks for deleted invoices.
        yield Operator.EQ, "DELETED", "DELETED"
        yield Operator.IN, ["DELETED", common], ["DELETED", common]
        yield Operator.NIN, ["DELETED"], ["DELETED"]
    if field is FilterField.CUSTOMER_EMAIL:
        yield Operator.EQ, common.upper(), common.upper()
        yield Operator.IN, [common.swapcase(), absent], [common.swapcase(), absent]
        yield Operator.NIN, [common.title()], [common.title()]
    if field in PREFIXED:
        for value in (common, present[-1]):
            for length in (1, len(value) // 2, len(value)):
                yield Operator.STARTS_WITH, value[:length], value[:length]
        yield Operator.STARTS_WITH, absent, absent
        yield Operator.STARTS_WITH, common.lower(), common.lower()  # case-sensitive
    if field in ORDERED:
        for value in (present[len(present) // 3], present[0], present[-1]):
            for operator in (Operator.LT, Operator.LTE, Operator.GT, Operator.GTE):
                yield operator, sent(value), value


@functools.cache
def generated() -> list[Invoice]:
    """The same invoices for every test here, generated once (deterministic)."""
    return generate_demo_invoices(per_account=PER_ACCOUNT)


async def seed(client: GraphQLClient) -> list[Invoice]:
    """The generated invoices of both accounts, stored; returns the demo account's."""
    for account in ("demo", "acme"):
        mine = [invoice for invoice in generated() if invoice.account == account]
        await client.invoices.scoped(Scope(account)).insert_many(mine)
    return [invoice for invoice in generated() if invoice.account == "demo"]


async def matching_ids(client: GraphQLClient, filter: dict[str, Any]) -> set[str]:
    page = (await client.data(FILTERED, {"filter": filter}))["invoices"]
    assert not page["pageInfo"]["hasNextPage"]
    ids = {edge["node"]["invoiceId"] for edge in page["edges"]}
    assert page["totalCount"] == len(ids)
    return ids


@pytest.mark.parametrize("field", list(FilterField), ids=lambda field: field.value)
async def test_filter_matches_brute_force(serve: ServeFactory, field: FilterField) -> None:
    client = await serve()
    invoices = await seed(client)
    checked = 0
    for operator, sent, compared in cases(invoices, field):
        expected = {
            invoice.invoiceId
            for invoice in invoices
            if brute_force(invoice, field, operator, compared)
        }
        found = await matching_ids(client, {field.value: {operator.value: sent}})
        assert found == expected, (field, operator, sent)
        checked += 1
    assert checked >= 7


async def test_filter_instants_match_in_any_offset(serve: ServeFactory) -> None:
    client = await serve()
    invoices = await seed(client)
    moment = invoices[10].invoiceDate  # canonical UTC text
    assert moment.endswith("Z")
    shifted = f"{moment[:10]}T{int(moment[11:13]):02d}{moment[13:19]}.{moment[20:29]}+00:00"
    assert await matching_ids(client, {"invoiceDate": {"eq": shifted}}) == {
        invoice.invoiceId for invoice in invoices if invoice.invoiceDate == moment
    }


async def test_filters_combine_with_and(serve: ServeFactory) -> None:
    client = await serve()
    invoices = await seed(client)
    cutoff = sorted(invoice.invoiceTotal for invoice in invoices)[len(invoices) // 2]
    filter = {
        "invoiceType": {"eq": "SHIPPING"},
        "currency": {"in": ["USD", "EUR"]},
        "invoiceTotal": {"gte": str(cutoff)},
        "invoiceStatus": {"ne": "SETTLED", "nin": ["DELETED"]},
    }
    expected = {
        invoice.invoiceId
        for invoice in invoices
        if invoice.invoiceType is not None
        and invoice.invoiceType.value == "SHIPPING"
        and invoice.currency in ("USD", "EUR")
        and invoice.invoiceTotal >= cutoff
        and invoice.invoiceStatus not in (InvoiceStatus.SETTLED, InvoiceStatus.DELETED)
    }
    assert expected
    assert await matching_ids(client, filter) == expected


async def test_filter_never_reaches_another_account(serve: ServeFactory) -> None:
    client = await serve()
    await seed(client)
    [(row, _)] = await client.invoices.scoped(Scope("acme")).find_page(
        None, [SortKey("invoiceId")], None, 1
    )
    acme = from_document(row)
    assert await matching_ids(client, {"invoiceNumber": {"eq": acme.invoiceNumber}}) == set()
    assert acme.orders
    assert await matching_ids(client, {"orderId": {"eq": acme.orders[0].orderId}}) == set()
