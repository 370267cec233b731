"""The invoice repository's contract, the same on both backends."""

from decimal import Decimal

import pytest

from seeds.fabric import fabric_invoice
from store.client import Database
from store.domain.documents import Invoice
from store.invoices import DuplicateInvoice, InvoiceStore, Scope, from_document, mongo_projection
from store.keyset import SortKey


def make_invoice(account: str, number: str, total: str, day: int, channel: str = "web") -> Invoice:
    return fabric_invoice(
        {
            "invoiceNumber": number,
            "invoiceTotal": total,
            "invoiceDate": f"2024-01-{day:02d}T10:00:00.123456789Z",
            "channelId": channel,
            "orders": [{"orderId": f"order-{number}", "items": [{"sku": "SKU-1"}]}],
        },
        account,
    )


async def test_get_returns_only_the_scope_account(database: Database) -> None:
    store = InvoiceStore(database)
    mine = make_invoice("demo", "1", "10.00", 1)
    await store.scoped(Scope("demo")).insert(mine)
    assert await store.scoped(Scope("demo")).get(mine.invoiceId) == mine
    assert await store.scoped(Scope("acme")).get(mine.invoiceId) is None
    assert await store.scoped(Scope("acme")).get_by_number("1") is None


async def test_money_and_nanoseconds_survive_a_round_trip(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    invoice = make_invoice("demo", "2", "399.00", 2)
    await invoices.insert(invoice)
    stored = await invoices.get(invoice.invoiceId)
    assert stored is not None
    assert str(stored.invoiceTotal) == "399.00"
    assert stored.invoiceDate == "2024-01-02T10:00:00.123456789Z"


async def test_insert_duplicate_number_is_refused(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    await invoices.insert(make_invoice("demo", "3", "1.00", 3))
    with pytest.raises(DuplicateInvoice):
        await invoices.insert(make_invoice("demo", "3", "2.00", 4))
    # The same number in another account is another invoice.
    await InvoiceStore(database).scoped(Scope("acme")).insert(make_invoice("acme", "3", "1.00", 3))


async def test_insert_into_another_account_is_refused(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    with pytest.raises(ValueError, match="another account"):
        await invoices.insert(make_invoice("acme", "4", "1.00", 1))


async def test_criteria_cannot_name_the_account(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    with pytest.raises(ValueError, match="scope"):
        await invoices.count({"account": "acme"})


async def test_channel_scope_narrows_reads(database: Database) -> None:
    store = InvoiceStore(database)
    await store.scoped(Scope("demo")).insert_many(
        [make_invoice("demo", str(n), "1.00", n, "web" if n % 2 else "pos") for n in range(1, 7)]
    )
    assert await store.scoped(Scope("demo")).count() == 6
    assert await store.scoped(Scope("demo", channel="pos")).count() == 3


async def test_find_page_walks_in_total_order(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    # Equal dates and equal totals: the invoiceId tiebreaker makes the order total.
    await invoices.insert_many(
        [make_invoice("demo", str(n), str(Decimal(n % 3)), 1 + n % 2) for n in range(10)]
    )
    keys = [SortKey("_units.invoiceTotal"), SortKey("invoiceId", descending=True)]
    seen: list[str] = []
    after = None
    while True:
        page = await invoices.find_page(None, keys, after, 3, fields=["invoiceNumber"])
        if not page:
            break
        seen += [row["invoiceId"] for row, _ in page]
        after = page[-1][1]
    rows = await invoices.find_page(None, [SortKey("invoiceId")], None, 0)
    everything = [from_document(row) for row, _ in rows]
    expected = sorted(everything, key=lambda i: (i.invoiceTotal, _desc(i.invoiceId)))
    assert seen == [invoice.invoiceId for invoice in expected]


def _desc(text: str) -> list[int]:
    return [-ord(character) for character in text]


async def test_get_many_keeps_key_order_and_gaps(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    first, second = make_invoice("demo", "a", "1", 1), make_invoice("demo", "b", "2", 2)
    await invoices.insert_many([first, second])
    found = await invoices.get_many([second.invoiceId, "missing", first.invoiceId])
    assert [row["invoiceNumber"] if row else None for row in found] == ["b", None, "a"]


async def test_projection_fetches_only_what_is_asked(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    invoice = make_invoice("demo", "p", "5.50", 5)
    await invoices.insert(invoice)
    projected = await invoices.get(invoice.invoiceId, fields=["orders.items.sku"])
    assert projected is not None
    assert projected.orders is not None
    assert projected.orders[0].items is not None
    assert projected.orders[0].items[0].sku == "SKU-1"
    assert projected.orders[0].orderId is None
    assert projected.channelId is None


def test_projection_collapses_nested_paths() -> None:
    projection = mongo_projection(["orders", "orders.items.sku", "customer.name.first"])
    assert projection is not None
    assert "orders" in projection
    assert "orders.items.sku" not in projection
    assert projection["_id"] == 0
