"""Filter conditions, sort orders and their indexes, the same on both backends."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from seeds.demo import generate_demo_invoices
from seeds.fabric import fabric_invoice
from store.client import Database
from store.collection_names import INVOICES, MIGRATIONS
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus
from store.indexes import ensure_indexes
from store.invoice_filters import (
    FIELD_PATHS,
    PREFIX_FIELDS,
    Condition,
    FilterField,
    Operator,
    check_condition,
    invoice_criteria,
)
from store.invoice_sorting import SortField, invoice_sort_keys
from store.invoices import InvoiceStore, Scope, from_document, to_document
from store.keyset import SortKey, mongo_sort
from store.search_keys import MIGRATION_ID, SEARCH
from tests.wire_server import uses_wire_server


def make_invoice(number: str, **fields: Any) -> Invoice:
    record = {"invoiceNumber": number, "invoiceTotal": "1.00", **fields}
    record.setdefault("invoiceDate", "2024-03-01T00:00:00Z")
    return fabric_invoice(record, "demo")


@pytest.fixture
async def invoices(database: Database) -> Any:
    scoped = InvoiceStore(database).scoped(Scope("demo"))
    await scoped.insert_many(
        [
            make_invoice(
                "A",
                invoiceTotal="10.5",
                orders=[
                    {"orderId": "o1", "items": [{"sku": "red"}, {"sku": "blue"}]},
                    {"orderId": "o2", "items": [{"sku": "green"}]},
                ],
                customer={"email": "a@example.com"},
            ),
            make_invoice(
                "B",
                invoiceTotal="10.50",
                invoiceDate="2024-03-01T00:00:00.000000001Z",
                orders=[{"orderId": "o2", "items": [{"sku": "red"}]}],
            ),
            make_invoice(
                "C",
                invoiceTotal="9.999999",
                invoiceStatus="SETTLED",
                orders=[{"orderNumber": "ORD.7", "items": [{"sku": "zzz"}, {"sku": "0"}]}],
                customer={"email": "Mehmet@Example.com"},
            ),
        ]
    )
    return scoped


async def numbers(invoices: Any, *conditions: Condition) -> list[str]:
    found = await invoices.find_page(
        invoice_criteria(conditions), [SortKey("invoiceNumber")], None, 0
    )
    return [row["invoiceNumber"] for row, _ in found]


def cond(field: FilterField, operator: Operator, value: Any) -> Condition:
    return Condition(field, operator, value)


async def test_array_paths_match_any_element_and_negations_none(invoices: Any) -> None:
    sku, order = FilterField.SKU, FilterField.ORDER_ID
    assert await numbers(invoices, cond(sku, Operator.EQ, "red")) == ["A", "B"]
    assert await numbers(invoices, cond(sku, Operator.NE, "red")) == ["C"]
    assert await numbers(invoices, cond(sku, Operator.IN, ["green", "nope"])) == ["A"]
    assert await numbers(invoices, cond(sku, Operator.NIN, ["green", "blue"])) == ["B", "C"]
    assert await numbers(invoices, cond(order, Operator.EQ, "o2")) == ["A", "B"]


async def test_negations_match_invoices_without_the_field(invoices: Any) -> None:
    email, status = FilterField.CUSTOMER_EMAIL, FilterField.INVOICE_STATUS
    assert await numbers(invoices, cond(email, Operator.NE, "a@example.com")) == ["B", "C"]
    assert await numbers(invoices, cond(status, Operator.NIN, [InvoiceStatus.SETTLED])) == [
        "A",
        "B",
    ]
    assert await numbers(invoices, cond(status, Operator.EQ, InvoiceStatus.SETTLED)) == ["C"]


async def test_money_compares_exactly_whatever_its_digits(invoices: Any) -> None:
    total = FilterField.INVOICE_TOTAL
    assert await numbers(invoices, cond(total, Operator.EQ, Decimal("10.500"))) == ["A", "B"]
    assert await numbers(invoices, cond(total, Operator.LT, Decimal("10.5"))) == ["C"]
    assert await numbers(invoices, cond(total, Operator.GTE, Decimal("9.999999"))) == [
        "A",
        "B",
        "C",
    ]
    assert await numbers(invoices, cond(total, Operator.GT, Decimal("9.999999"))) == ["A", "B"]


async def test_instants_compare_to_the_nanosecond_in_any_offset(invoices: Any) -> None:
    date = FilterField.INVOICE_DATE
    later = "2024-03-01T00:00:00.000000001Z"
    assert await numbers(invoices, cond(date, Operator.GTE, later)) == ["B"]
    assert await numbers(invoices, cond(date, Operator.EQ, "2024-03-01T01:00:00+01:00")) == [
        "A",
        "C",
    ]


async def test_conditions_combine_with_and(invoices: Any) -> None:
    assert await numbers(
        invoices,
        cond(FilterField.SKU, Operator.EQ, "red"),
        cond(FilterField.INVOICE_DATE, Operator.GT, "2024-03-01T00:00:00Z"),
    ) == ["B"]
    assert await numbers(invoices) == ["A", "B", "C"]


async def test_customer_email_compares_without_regard_to_case(invoices: Any) -> None:
    email = FilterField.CUSTOMER_EMAIL
    assert await numbers(invoices, cond(email, Operator.EQ, "MEHMET@example.com")) == ["C"]
    assert await numbers(invoices, cond(email, Operator.IN, ["A@EXAMPLE.COM", "x@y.z"])) == ["A"]
    assert await numbers(invoices, cond(email, Operator.NE, "mehmet@EXAMPLE.com")) == ["A", "B"]
    assert await numbers(invoices, cond(email, Operator.NIN, ["a@example.COM"])) == ["B", "C"]


async def test_starts_with_matches_a_prefix_of_any_element_literally(invoices: Any) -> None:
    starts = Operator.STARTS_WITH
    assert await numbers(invoices, cond(FilterField.INVOICE_NUMBER, starts, "B")) == ["B"]
    assert await numbers(invoices, cond(FilterField.SKU, starts, "re")) == ["A", "B"]
    assert await numbers(invoices, cond(FilterField.SKU, starts, "gr")) == ["A"]
    # One element must start with it: "zzz" is above "a" and "0" below "b", yet none is "a...".
    assert await numbers(invoices, cond(FilterField.SKU, starts, "a")) == []
    # Regular-expression characters stand for themselves: "." is not any character.
    assert await numbers(invoices, cond(FilterField.ORDER_NUMBER, starts, "ORD.")) == ["C"]
    assert await numbers(invoices, cond(FilterField.ORDER_NUMBER, starts, "ORD.7")) == ["C"]
    assert await numbers(invoices, cond(FilterField.ORDER_NUMBER, starts, "ORDX")) == []
    assert await numbers(invoices, cond(FilterField.ORDER_NUMBER, starts, "ord")) == []


async def test_updated_at_sorts_never_updated_invoices_by_created_at(database: Database) -> None:
    scoped = InvoiceStore(database).scoped(Scope("demo"))
    await scoped.insert_many(
        [
            make_invoice("U1", createdAt="2024-01-01T00:00:00Z", updatedAt="2024-06-01T00:00:00Z"),
            make_invoice("U2", createdAt="2024-03-01T00:00:00Z"),  # never updated
            make_invoice("U3", createdAt="2024-02-01T00:00:00Z", updatedAt="2024-04-01T00:00:00Z"),
        ]
    )
    keys = invoice_sort_keys([(SortField.UPDATED_AT, False)])

    page = await scoped.find_page(None, keys, None, 10)

    assert [row["invoiceNumber"] for row, _ in page] == ["U2", "U3", "U1"]
    assert [values[0] for _, values in page] == [
        "2024-03-01T00:00:00.000000000Z",
        "2024-04-01T00:00:00.000000000Z",
        "2024-06-01T00:00:00.000000000Z",
    ]
    assert from_document(page[0][0]).updatedAt is None  # the companion never shows
    assert all(not key.startswith("_") for row, _ in page for key in row)


async def test_documents_written_before_the_companions_are_backfilled_once(
    database: Database,
) -> None:
    collection = database.collection(INVOICES)
    old = to_document(make_invoice("OLD", customer={"email": "Old@Example.com"}))
    del old[SEARCH]  # as written before `_search` existed
    await collection.insert_one(old)
    await database.collection(MIGRATIONS).delete_many({})
    scoped = InvoiceStore(database).scoped(Scope("demo"))
    by_email = [cond(FilterField.CUSTOMER_EMAIL, Operator.EQ, "old@example.com")]
    assert await numbers(scoped, *by_email) == []

    await ensure_indexes(database)

    assert await numbers(scoped, *by_email) == ["OLD"]
    keys = invoice_sort_keys([(SortField.UPDATED_AT, True)])
    page = await scoped.find_page(None, keys, None, 5)
    assert [row["invoiceNumber"] for row, _ in page] == ["OLD"]
    [record] = await database.collection(MIGRATIONS).find({"_id": MIGRATION_ID})
    assert record == {"_id": MIGRATION_ID, "done": True, "invoices": 1}
    stale = to_document(make_invoice("STALE"))
    del stale[SEARCH]
    await collection.insert_one(stale)
    await ensure_indexes(database)  # recorded as done: not run again
    assert await collection.find({"invoiceNumber": "STALE", SEARCH: {"$exists": True}}) == []


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (cond(FilterField.INVOICE_TOTAL, Operator.EQ, Decimal("1.0000001")), "6 decimal places"),
        (cond(FilterField.SKU, Operator.LT, "m"), "no order"),
        (cond(FilterField.INVOICE_DATE, Operator.EQ, "yesterday"), "ISO 8601"),
        (cond(FilterField.SKU, Operator.IN, "red"), "list"),
        (cond(FilterField.SKU, Operator.IN, ["x"] * 101), "at most 100"),
        (cond(FilterField.SKU, Operator.EQ, {"$ne": None}), "text"),
        (cond(FilterField.SKU, Operator.EQ, None), "null"),
        (cond(FilterField.CHANNEL_ID, Operator.STARTS_WITH, "we"), "invoiceNumber, orderNumber"),
        (cond(FilterField.SKU, Operator.STARTS_WITH, ""), "non-empty"),
        (cond(FilterField.SKU, Operator.STARTS_WITH, ["r"]), "non-empty text"),
    ],
)
def test_invalid_condition_is_refused_with_a_reason(condition: Condition, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_condition(condition)


def test_sort_keys_end_with_a_unique_key() -> None:
    assert invoice_sort_keys([]) == (
        SortKey("invoiceDate", True, str),
        SortKey("invoiceId", True, str),
    )
    assert invoice_sort_keys([(SortField.INVOICE_TOTAL, False), (SortField.CREATED_AT, True)]) == (
        SortKey("_units.invoiceTotal", False, int),
        SortKey("createdAt", True, str),
        SortKey("invoiceId", True, str),
    )
    # invoiceNumber is unique: nothing after it could decide anything.
    assert invoice_sort_keys([(SortField.INVOICE_NUMBER, True), (SortField.CREATED_AT, False)]) == (
        SortKey("invoiceNumber", True, str),
    )
    with pytest.raises(ValueError, match="more than once"):
        invoice_sort_keys([(SortField.CREATED_AT, False), (SortField.CREATED_AT, True)])


def _stages(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in [plan.get("inputStage"), *plan.get("inputStages", [])]:
        if child:
            yield from _stages(child)


async def _winning_stages(
    database: Database, filter: dict[str, Any], sort: list[tuple[str, int]] | None = None
) -> list[dict[str, Any]]:
    cursor = database.collection(INVOICES)._raw.find(filter, {"_id": 0, "invoiceId": 1})
    if sort:
        cursor = cursor.sort(sort)
    explanation = await cursor.limit(21).explain()
    winning = explanation["queryPlanner"]["winningPlan"]
    return list(_stages(winning.get("queryPlan", winning)))


def _sample_conditions(invoices: list[Invoice]) -> Iterator[Condition]:
    """A selective eq and in per field, and ranges reaching a tenth of the ordered ones."""
    first = invoices[0]
    order, item = first.orders[0], first.orders[0].items[0]
    values: dict[FilterField, Any] = {
        FilterField.INVOICE_STATUS: first.invoiceStatus,
        FilterField.INVOICE_TYPE: first.invoiceType,
        FilterField.STATUS_CODE: first.statusCode,
        FilterField.CHANNEL_ID: first.channelId,
        FilterField.CURRENCY: first.currency,
        FilterField.INVOICE_NUMBER: first.invoiceNumber,
        FilterField.INVOICE_DATE: first.invoiceDate,
        FilterField.CREATED_AT: first.createdAt,
        FilterField.INVOICE_TOTAL: first.invoiceTotal,
        FilterField.ORDER_NUMBER: order.orderNumber,
        FilterField.ORDER_ID: order.orderId,
        FilterField.SHIPMENT_NUMBER: next(i.shipmentNumber for i in invoices if i.shipmentNumber),
        FilterField.CUSTOMER_EMAIL: first.customer.email,
        FilterField.SKU: item.sku,
    }
    assert set(values) == set(FilterField)
    for field, value in values.items():
        yield Condition(field, Operator.EQ, value)
        yield Condition(field, Operator.IN, [value])
    for field in PREFIX_FIELDS:  # all but the last character: a selective prefix
        yield Condition(field, Operator.STARTS_WITH, values[field][:-1])
    ranked = {
        FilterField.INVOICE_DATE: sorted(i.invoiceDate for i in invoices),
        FilterField.CREATED_AT: sorted(i.createdAt for i in invoices),
        FilterField.INVOICE_TOTAL: sorted(i.invoiceTotal for i in invoices),
    }
    for field, ordered in ranked.items():
        tenth = len(ordered) // 10
        yield Condition(field, Operator.LT, ordered[tenth])
        yield Condition(field, Operator.GTE, ordered[-tenth])


@pytest.mark.mongodb
@pytest.mark.parametrize("database", ["mongodb"], indirect=True)  # explain(): a server's
async def test_every_filter_and_sort_uses_an_index(database: Database) -> None:
    if uses_wire_server():
        pytest.skip(
            "mongoeco's wire server answers explain() in its own format, not MongoDB's "
            "queryPlanner: this test runs against a real MongoDB (set MONGODB_URI)"
        )
    generated = generate_demo_invoices(per_account=300)
    store = InvoiceStore(database)
    for account in ("demo", "acme"):
        await store.scoped(Scope(account)).insert_many(
            [invoice for invoice in generated if invoice.account == account]
        )
    demo = store.scoped(Scope("demo"))
    mine = [invoice for invoice in generated if invoice.account == "demo"]
    # ne and nin are served by the same indexes, but whether the planner prefers them
    # depends on how many invoices they leave out, so the check sticks to the others.
    for condition in _sample_conditions(mine):
        stages = await _winning_stages(database, demo.where(invoice_criteria([condition])))
        scanned = [stage["keyPattern"] for stage in stages if stage["stage"] == "IXSCAN"]
        path = FIELD_PATHS[condition.field]
        assert any(path in pattern for pattern in scanned), (condition, stages)
        if condition.operator is Operator.STARTS_WITH:  # an anchored range, not a full scan
            bounds = [s["indexBounds"][path] for s in stages if path in s.get("indexBounds", {})]
            assert bounds, (condition, stages)
            assert all(condition.value in bound[0] for bound in bounds), (condition, bounds)
    for field in SortField:
        for descending in (False, True):
            keys = invoice_sort_keys([(field, descending)])
            stages = await _winning_stages(database, demo.where(), mongo_sort(keys))
            names = [stage["stage"] for stage in stages]
            assert "SORT" not in names, (field, descending, stages)
            assert "IXSCAN" in names, (field, descending, stages)
