"""Invalid listing arguments: BAD_USER_INPUT naming the argument, never a 500."""

from typing import Any

import pytest

from seeds.demo import generate_demo_invoices
from store.invoices import Scope
from tests.conftest import ServeFactory

LISTING = """
query Listing(
  $first: Int, $after: String, $last: Int, $before: String,
  $filter: InvoiceFilter, $sort: [InvoiceSort!]
) {
  invoices(first: $first, after: $after, last: $last, before: $before,
           filter: $filter, sort: $sort) {
    totalCount
    edges { cursor }
  }
}
"""

SUMMARY = "query Summary($filter: InvoiceFilter) { invoiceSummary(filter: $filter) { count } }"

DATE_CURSOR = "query { invoices(first: 1) { edges { cursor } } }"

TOTAL_CURSOR = """
query { invoices(first: 1, sort: [{field: INVOICE_TOTAL}]) { edges { cursor } } }
"""

INVALID_VARIABLES: list[tuple[dict[str, Any], str]] = [
    ({"first": 101}, "first"),
    ({"last": 500}, "last"),
    ({"first": -1}, "first"),
    ({"first": 2, "last": 2}, "last"),
    ({"after": "not-a-cursor"}, "after"),
    ({"last": 2, "before": "bm90IGpzb24"}, "before"),
    ({"after": "WyIrX3VuaXRzLmludm9pY2VUb3RhbCwraW52b2ljZUlkIixbeyIkbmUiOm51bGx9LCIiXV0"}, "after"),
    ({"filter": {"invoiceStatus": {"eq": "PAID"}}}, "filter"),
    ({"filter": {"invoiceTotal": {"gt": "ten"}}}, "filter"),
    ({"filter": {"invoiceTotal": {"gt": "0.1234567"}}}, "filter.invoiceTotal.gt"),
    ({"filter": {"invoiceTotal": {"lt": 1.5}}}, "filter"),
    ({"filter": {"invoiceTotal": {"gt": "1e99999999999"}}}, "filter"),
    ({"filter": {"invoiceTotal": {"gt": "9300000000000"}}}, "filter.invoiceTotal.gt"),
    ({"filter": {"invoiceDate": {"gte": "2024-13-01T00:00:00Z"}}}, "filter"),
    ({"filter": {"createdAt": {"lt": "2024-01-01T10:00:00"}}}, "filter"),
    ({"filter": {"sku": {"eq": None}}}, "filter.sku.eq"),
    ({"filter": {"sku": {"in": ["x"] * 101}}}, "filter.sku.in"),
    ({"filter": {"sku": {"like": "x"}}}, "filter"),
    ({"sort": [{"field": "AMOUNT"}]}, "sort"),
    ({"sort": [{"field": "INVOICE_TOTAL", "direction": "UP"}]}, "sort"),
    ({"sort": [{"field": "CREATED_AT"}, {"field": "CREATED_AT"}]}, "sort"),
]


@pytest.mark.parametrize(("variables", "argument"), INVALID_VARIABLES)
async def test_listing_invalid_variable_is_bad_user_input(
    serve: ServeFactory, variables: dict[str, Any], argument: str
) -> None:
    client = await serve()
    status, body = await client.post(LISTING, variables)
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == argument
    assert error["message"].startswith(f"Invalid argument '{argument}'")


INVALID_LITERALS = [
    ("invoices(filter: {invoiceStatus: {eq: PAID}})", "filter.invoiceStatus.eq"),
    ("invoices(filter: {invoiceType: {in: [SHIPPING, GIFT]}})", "filter.invoiceType.in[1]"),
    ('invoices(filter: {invoiceTotal: {gte: "1,5"}})', "filter.invoiceTotal.gte"),
    ("invoices(filter: {invoiceTotal: {gte: 1.5}})", "filter.invoiceTotal.gte"),
    ('invoices(filter: {invoiceTotal: {gt: "1e99999999999"}})', "filter.invoiceTotal.gt"),
    ('invoices(filter: {invoiceDate: {lt: "last week"}})', "filter.invoiceDate.lt"),
    ("invoices(sort: [{field: AMOUNT}])", "sort[0].field"),
    ("invoices(sort: {direction: DESC})", "sort"),
    ("invoices(first: 1000)", "first"),
    ('invoices(after: "%%%")', "after"),
    ('invoiceSummary(filter: {currency: {eq: "USD", nin: "EUR", lt: "X"}})', "filter.currency"),
]


@pytest.mark.parametrize(("field", "argument"), INVALID_LITERALS)
async def test_listing_invalid_literal_is_bad_user_input(
    serve: ServeFactory, field: str, argument: str
) -> None:
    client = await serve()
    selection = "count" if field.startswith("invoiceSummary") else "totalCount"
    status, body = await client.post(f"{{ {field} {{ {selection} }} }}")
    assert status == 200
    assert body["errors"], body
    for error in body["errors"]:
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["argument"].startswith(argument)
        assert "Invalid argument" in error["message"]


async def test_cursor_of_another_sort_is_refused(serve: ServeFactory) -> None:
    client = await serve()
    await client.invoices.scoped(Scope("demo")).insert_many(
        generate_demo_invoices(accounts=("demo",), per_account=3)
    )
    by_date = (await client.data(DATE_CURSOR))["invoices"]["edges"][0]["cursor"]
    by_total = (await client.data(TOTAL_CURSOR))["invoices"]["edges"][0]["cursor"]
    by_total_sort = [{"field": "INVOICE_TOTAL"}]
    status, body = await client.post(LISTING, {"after": by_date, "sort": by_total_sort})
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}
    assert "different sort order" in error["message"]
    page = await client.data(LISTING, {"after": by_total, "sort": by_total_sort})
    assert len(page["invoices"]["edges"]) == page["invoices"]["totalCount"] - 1


async def test_summary_invalid_filter_is_bad_user_input(serve: ServeFactory) -> None:
    client = await serve()
    status, body = await client.post(SUMMARY, {"filter": {"invoiceTotal": {"eq": "1e-9"}}})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.invoiceTotal.eq"}
