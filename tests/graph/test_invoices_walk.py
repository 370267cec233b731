"""Walking the demo data page by page: every invoice exactly once, in the right order."""

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from seeds.fabric import fabric_invoice
from store.domain.documents import Invoice
from store.invoice_sorting import SortField, invoice_sort_keys
from store.invoices import Scope, ScopedInvoices
from store.keyset import SortKey
from tests.conftest import GraphQLClient, ServeFactory

WALK = """
query Walk($first: Int, $after: String, $last: Int, $before: String, $sort: [InvoiceSort!]) {
  invoices(first: $first, after: $after, last: $last, before: $before, sort: $sort) {
    totalCount
    edges { cursor node { invoiceId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

Sort = list[dict[str, str]]
PageHook = Callable[[list[str]], Awaitable[None]]

SORTS: list[Sort] = [
    [],
    [{"field": "INVOICE_TOTAL"}],
    [{"field": "INVOICE_NUMBER", "direction": "DESC"}],
    [{"field": "CREATED_AT", "direction": "DESC"}, {"field": "INVOICE_TOTAL"}],
    [{"field": "INVOICE_DATE", "direction": "ASC"}],
    [{"field": "UPDATED_AT", "direction": "DESC"}],
]


def store_keys(sort: Sort) -> tuple[SortKey, ...]:
    return invoice_sort_keys(
        [(SortField[item["field"]], item.get("direction") == "DESC") for item in sort]
    )


async def expected_order(invoices: ScopedInvoices, keys: Sequence[SortKey]) -> list[str]:
    """Every invoice of the scope, sorted in Python by the same keys."""
    rows = await invoices.find_page(None, keys, None, 0, fields=["invoiceId"])

    def compare(left: tuple[Any, list[Any]], right: tuple[Any, list[Any]]) -> int:
        for key, a, b in zip(keys, left[1], right[1], strict=True):
            if a != b:
                return (-1 if a < b else 1) * (-1 if key.descending else 1)
        return 0

    return [row["invoiceId"] for row, _ in sorted(rows, key=functools.cmp_to_key(compare))]


async def walk(
    client: GraphQLClient,
    sort: Sort,
    size: int,
    backwards: bool = False,
    after_page: PageHook | None = None,
) -> list[str]:
    """Every invoiceId met walking the whole list, in the list's order."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        variables: dict[str, Any] = {"sort": sort}
        if backwards:
            variables |= {"last": size, "before": cursor}
        else:
            variables |= {"first": size, "after": cursor}
        page = (await client.data(WALK, variables))["invoices"]
        ids = [edge["node"]["invoiceId"] for edge in page["edges"]]
        assert len(ids) <= size
        info = page["pageInfo"]
        if ids:
            assert info["startCursor"] == page["edges"][0]["cursor"]
            assert info["endCursor"] == page["edges"][-1]["cursor"]
        seen = ids + seen if backwards else seen + ids
        more = info["hasPreviousPage"] if backwards else info["hasNextPage"]
        if not more:
            return seen
        assert len(ids) == size
        if after_page is not None:
            await after_page(ids)
        cursor = info["startCursor"] if backwards else info["endCursor"]


async def test_walk_visits_every_invoice_once_in_order(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    demo = client.invoices.scoped(Scope("demo"))
    page = await client.data(WALK, {"first": 1})
    assert page["invoices"]["totalCount"] == await demo.count() > 500
    for sort, sizes in zip(SORTS, [(100, 23), (37,), (100,), (50,), (61,), (43,)], strict=True):
        expected = await expected_order(demo, store_keys(sort))
        for size in sizes:
            assert await walk(client, sort, size) == expected, (sort, size)
            assert await walk(client, sort, size, backwards=True) == expected, (sort, size)


def invoice_at(number: str, invoice_date: str, invoice_id: str) -> Invoice:
    record = {
        "invoiceId": invoice_id,
        "invoiceNumber": number,
        "invoiceTotal": "1.00",
        "invoiceDate": invoice_date,
    }
    return fabric_invoice(record, "demo")


@dataclass
class InsertAround:
    """After a page, inserts four invoices: at both ends of the list and tied with the
    page's last invoice on either side; remembers which ones the rest of the walk meets."""

    invoices: ScopedInvoices
    backwards: bool
    rounds: int = 4
    ahead: list[str] = field(default_factory=list)
    behind: list[str] = field(default_factory=list)

    async def __call__(self, page: list[str]) -> None:
        if len(self.ahead) >= 2 * self.rounds:
            return
        edge = await self.invoices.get(page[0] if self.backwards else page[-1])
        assert edge is not None
        tag = f"{self.backwards:d}-{len(self.ahead)}"
        newest = invoice_at(f"new-{tag}", "2099-01-01T00:00:00Z", f"newest-{tag}")
        oldest = invoice_at(f"old-{tag}", "1999-01-01T00:00:00Z", f"oldest-{tag}")
        # invoiceDate DESC, invoiceId DESC: of two ties, the bigger id comes first.
        tie_first = invoice_at(f"tie-a-{tag}", edge.invoiceDate, edge.invoiceId + "z")
        tie_last = invoice_at(f"tie-b-{tag}", edge.invoiceDate, edge.invoiceId[:-1] + "/")
        for invoice in (newest, oldest, tie_first, tie_last):
            await self.invoices.insert(invoice)
        ahead, behind = [oldest, tie_last], [newest, tie_first]
        if self.backwards:
            ahead, behind = behind, ahead
        self.ahead += [invoice.invoiceId for invoice in ahead]
        self.behind += [invoice.invoiceId for invoice in behind]


async def test_walk_stays_exact_while_invoices_are_inserted(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    demo = client.invoices.scoped(Scope("demo"))
    keys = store_keys([])
    for backwards in (False, True):
        before_walk = await expected_order(demo, keys)
        insert_around = InsertAround(demo, backwards)
        seen = await walk(client, [], 40, backwards, after_page=insert_around)
        assert len(insert_around.ahead) == 8
        everything = await expected_order(demo, keys)
        # Exactly the invoices that were there, plus those inserted ahead of the walk.
        assert seen == [i for i in everything if i not in insert_around.behind]
        assert set(seen) == set(before_walk) | set(insert_around.ahead)
