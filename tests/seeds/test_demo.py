"""The demo data set: deterministic, varied, consistent and reconciled to the cent."""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from seeds.demo import generate_demo_invoices
from store.domain.documents import Invoice, InvoiceItem, InvoiceOrder
from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
    StatusCode,
)

ACCOUNTS = ("demo", "acme")
HEX_ID = re.compile(r"^[0-9a-f]{24}$")
YEAR = re.compile(r'"(\d{4})-\d{2}-\d{2}T')


@pytest.fixture(scope="module")
def invoices() -> list[Invoice]:
    return generate_demo_invoices()


def orders_of(invoice: Invoice) -> list[InvoiceOrder]:
    return invoice.orders or []


def items_of(invoice: Invoice) -> list[InvoiceItem]:
    return [item for order in orders_of(invoice) for item in order.items or []]


def by_account(invoices: list[Invoice]) -> dict[str, list[Invoice]]:
    grouped: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        grouped[invoice.account].append(invoice)
    return grouped


def decimals(value: Any, key: str = "") -> Iterator[tuple[str, Decimal]]:
    """Every Decimal in a dumped document, with the name of its field."""
    if isinstance(value, Decimal):
        yield key, value
    elif isinstance(value, dict):
        for name, nested in value.items():
            yield from decimals(nested, name)
    elif isinstance(value, list):
        for nested in value:
            yield from decimals(nested, key)


def shipped_orders(invoices: list[Invoice]) -> set[tuple[str, str | None, str | None]]:
    return {
        (invoice.account, order.orderId, order.orderNumber)
        for invoice in invoices
        if invoice.invoiceType is InvoiceType.SHIPPING
        for order in orders_of(invoice)
    }


def test_generate_same_seed_gives_identical_invoices(invoices: list[Invoice]) -> None:
    again = generate_demo_invoices()

    assert [invoice.model_dump_json() for invoice in again] == [
        invoice.model_dump_json() for invoice in invoices
    ]


def digest(invoices: list[Invoice]) -> str:
    """One hash of every invoice's values: key order and unset fields do not count."""
    hashed = hashlib.sha256()
    for invoice in invoices:
        values = invoice.model_dump(mode="json", exclude_none=True)
        hashed.update(json.dumps(values, sort_keys=True).encode() + b"\n")
    return hashed.hexdigest()


# Pinned so that reorganising the generator provably changes no invoice; a deliberate change
# of the demo data (or of a stored value's format) updates these.
def test_generate_defaults_gives_pinned_invoices(invoices: list[Invoice]) -> None:
    assert digest(invoices) == "35c7cdac131aad5195baf25c389a8a110739027d4bd96e9a18be1a7584ef4691"


def test_generate_small_set_gives_pinned_invoices() -> None:
    small = generate_demo_invoices(accounts=("tenant",), per_account=40, seed=7)

    assert digest(small) == "0f34b85fd17bfa0cbeae8128fa6f00670ce99d64d3123249635b035b81d9b722"


def test_generate_other_seed_gives_other_invoices() -> None:
    first = generate_demo_invoices(per_account=10, seed=1)
    second = generate_demo_invoices(per_account=10, seed=2)

    assert [invoice.invoiceId for invoice in first] != [invoice.invoiceId for invoice in second]


def test_generate_defaults_gives_at_least_1000_invoices_over_both_accounts(
    invoices: list[Invoice],
) -> None:
    assert len(invoices) >= 1000
    assert Counter(invoice.account for invoice in invoices) == {"demo": 600, "acme": 600}


ENUM_VALUES: list[tuple[type[Enum], Callable[[Invoice], set[Any]]]] = [
    (InvoiceStatus, lambda invoice: {invoice.invoiceStatus}),
    (InvoiceType, lambda invoice: {invoice.invoiceType}),
    (StatusCode, lambda invoice: {invoice.statusCode}),
    (OrderType, lambda invoice: {order.orderType for order in orders_of(invoice)}),
    (OrderSubType, lambda invoice: {order.orderSubType for order in orders_of(invoice)}),
    (
        PickupType,
        lambda invoice: (
            {pickup.pickupType for pickup in invoice.shipInfo.pickup or []}
            if invoice.shipInfo
            else set()
        ),
    ),
    (
        SettlementStatusCode,
        lambda invoice: {
            payment.settlement.settlementStatusCode
            for order in orders_of(invoice)
            for payment in order.payments or []
            if payment.settlement
        },
    ),
]


@pytest.mark.parametrize(("enum", "values_of"), ENUM_VALUES)
@pytest.mark.parametrize("account", ACCOUNTS)
def test_generate_defaults_uses_every_enum_value_per_account(
    invoices: list[Invoice],
    account: str,
    enum: type[Enum],
    values_of: Callable[[Invoice], set[Any]],
) -> None:
    seen = set().union(*(values_of(invoice) for invoice in by_account(invoices)[account]))

    assert set(enum) <= seen


def test_generate_few_invoices_still_covers_statuses_and_types() -> None:
    invoices = generate_demo_invoices(accounts=("tiny",), per_account=8, seed=5)

    assert {invoice.invoiceStatus for invoice in invoices} == set(InvoiceStatus)
    assert {invoice.statusCode for invoice in invoices} == set(StatusCode)
    assert {invoice.invoiceType for invoice in invoices} == set(InvoiceType)


def test_generate_defaults_gives_one_to_three_orders_and_one_to_twelve_items(
    invoices: list[Invoice],
) -> None:
    order_counts = Counter(len(orders_of(invoice)) for invoice in invoices)
    item_counts = Counter(len(items_of(invoice)) for invoice in invoices)

    assert set(order_counts) == {1, 2, 3}
    assert min(item_counts) == 1
    assert max(item_counts) == 12
    assert all(order.items for invoice in invoices for order in orders_of(invoice))


def test_line_total_follows_formula(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        for item in items_of(invoice):
            assert item.invoiceQuantity is not None
            assert item.itemUnitPrice is not None
            expected = (
                item.invoiceQuantity * item.itemUnitPrice
                - (item.itemDiscountsTotal or 0)
                + (item.itemTaxTotal or 0)
                + (item.itemFeeTotal or 0)
            )
            assert item.invoiceLineTotal == expected, invoice.invoiceId


def test_order_total_sums_line_totals(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        for order in orders_of(invoice):
            lines = sum(item.invoiceLineTotal or 0 for item in order.items or [])
            assert order.invoiceOrderTotal == lines, invoice.invoiceId


def test_invoice_totals_sum_order_totals_and_item_tax(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        orders = sum(order.invoiceOrderTotal or 0 for order in orders_of(invoice))
        tax = sum(item.itemTaxTotal or 0 for item in items_of(invoice))
        assert invoice.invoiceTotal == orders, invoice.invoiceId
        assert invoice.totalTaxAmount == tax, invoice.invoiceId


def test_item_breakdowns_sum_to_item_totals(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        for item in items_of(invoice):
            assert sum(tax.value or 0 for tax in item.taxDetail or []) == item.itemTaxTotal
            assert sum(fee.value or 0 for fee in item.fees or []) == item.itemFeeTotal
            discounts = sum(discount.value or 0 for discount in item.discount or [])
            assert discounts == item.itemDiscountsTotal


def test_payments_add_up_to_order_total(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        for order in orders_of(invoice):
            payments = order.payments or []
            assert 1 <= len(payments) <= 3
            assert sum(payment.authAmount or 0 for payment in payments) == order.invoiceOrderTotal


def test_money_has_exactly_two_decimal_places(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        for field, amount in decimals(invoice.model_dump()):
            if field != "conversion":
                assert amount.as_tuple().exponent == -2, (invoice.invoiceId, field, amount)
                assert amount > 0 or field in {
                    "itemDiscountsTotal",
                    "itemTaxTotal",
                    "itemFeeTotal",
                    "itemAppeasementTotal",
                    "totalTaxAmount",
                    "settlementAmount",
                    "shipToPrice",
                    "shipToDiscount",
                }, (invoice.invoiceId, field, amount)


def test_invoice_ids_are_unique_lowercase_hex(invoices: list[Invoice]) -> None:
    ids = [invoice.invoiceId for invoice in invoices]

    assert len(set(ids)) == len(ids)
    assert all(HEX_ID.match(invoice_id) for invoice_id in ids)


def test_invoice_numbers_are_unique_per_account_and_follow_dates(
    invoices: list[Invoice],
) -> None:
    for account_invoices in by_account(invoices).values():
        numbers = [invoice.invoiceNumber for invoice in account_invoices]
        assert len(set(numbers)) == len(numbers)
        assert all(number.isdigit() and len(number) == 8 for number in numbers)
        in_number_order = sorted(account_invoices, key=lambda invoice: int(invoice.invoiceNumber))
        dates = [invoice.invoiceDate for invoice in in_number_order]
        assert dates == sorted(dates)


def test_returns_bill_orders_shipped_in_same_account(invoices: list[Invoice]) -> None:
    shipped = shipped_orders(invoices)
    returns = [invoice for invoice in invoices if invoice.invoiceType is InvoiceType.RETURN]

    assert len(returns) >= 100
    for invoice in returns:
        for order in orders_of(invoice):
            assert (invoice.account, order.orderId, order.orderNumber) in shipped
        assert all(item.returns for item in items_of(invoice))


def test_returned_quantities_do_not_exceed_shipped_quantities(invoices: list[Invoice]) -> None:
    shipped = {
        item.lineItemId: item.invoiceQuantity or 0
        for invoice in invoices
        if invoice.invoiceType is InvoiceType.SHIPPING
        for item in items_of(invoice)
    }
    for invoice in invoices:
        if invoice.invoiceType is InvoiceType.RETURN:
            for item in items_of(invoice):
                assert 1 <= (item.invoiceQuantity or 0) <= shipped[item.lineItemId]


def test_appeasements_include_ones_on_shipped_orders(invoices: list[Invoice]) -> None:
    shipped = shipped_orders(invoices)
    appeasements = [
        invoice for invoice in invoices if invoice.invoiceType is InvoiceType.APPEASEMENT
    ]
    on_shipped = [
        invoice
        for invoice in appeasements
        if all(
            (invoice.account, order.orderId, order.orderNumber) in shipped
            for order in orders_of(invoice)
        )
    ]

    assert len(on_shipped) >= 50
    assert len(on_shipped) < len(appeasements)
    for invoice in appeasements:
        assert all(order.appeasements for order in orders_of(invoice))
        assert all(item.appeasements for item in items_of(invoice))


def test_status_dates_match_status_code(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        sent = invoice.statusCode in {StatusCode.POSTED, StatusCode.ACKNOWLEDGED}
        acknowledged = invoice.statusCode is StatusCode.ACKNOWLEDGED
        assert (invoice.postedAt is not None) == sent
        assert (invoice.acknowledgedAt is not None) == acknowledged
        moments = [invoice.createdAt, invoice.postedAt, invoice.acknowledgedAt]
        present = [moment for moment in moments if moment]
        assert present == sorted(present)
        assert invoice.invoiceDate <= invoice.createdAt <= (invoice.updatedAt or "")
        assert max(present) <= (invoice.updatedAt or "")


def test_timestamps_fall_in_2023_to_2025(invoices: list[Invoice]) -> None:
    years = Counter(
        year for invoice in invoices for year in YEAR.findall(invoice.model_dump_json())
    )

    assert set(years) == {"2023", "2024", "2025"}


def test_version_counts_audit_logs_and_source_names_demo(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        assert invoice.version == 1 + len(invoice.auditLogs or [])
        assert invoice.source is not None
        assert (invoice.source.system, invoice.source.id) == ("demo", invoice.invoiceId)
    assert all(log.updatedFields for invoice in invoices for log in invoice.auditLogs or [])
    assert any(invoice.auditLogs for invoice in invoices)


def test_parties_and_payments_are_filled_in(invoices: list[Invoice]) -> None:
    for invoice in invoices:
        customer, ship_info = invoice.customer, invoice.shipInfo
        assert customer is not None
        assert None not in (customer.name, customer.email, customer.phone, customer.address)
        assert ship_info is not None
        assert ship_info.pickup
        assert ship_info.shipToAddress is not None
        assert invoice.location is not None
        assert invoice.channelId in {"12", "strate", "web-eu"}
        assert invoice.currency in {"USD", "EUR", "TRY"}
        for order in orders_of(invoice):
            for payment in order.payments or []:
                assert None not in (payment.paymentIdentifier, payment.paymentToken)
                assert payment.billToAddress is not None
                assert payment.billToAddress.contact


def test_attributes_occur_on_some_objects(invoices: list[Invoice]) -> None:
    orders = [order for invoice in invoices for order in orders_of(invoice)]
    payments = [payment for order in orders for payment in order.payments or []]

    assert 0 < sum(bool(invoice.attributes) for invoice in invoices) < len(invoices)
    assert 0 < sum(bool(order.attributes) for order in orders) < len(orders)
    assert 0 < sum(bool(payment.attributes) for payment in payments) < len(payments)
    assert any(item.attributes for invoice in invoices for item in items_of(invoice))


def test_round_trip_through_json_keeps_invoices(invoices: list[Invoice]) -> None:
    for invoice in invoices[::25]:
        assert Invoice.model_validate_json(invoice.model_dump_json()) == invoice
