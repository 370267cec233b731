"""A listing's arguments, checked once: which invoices, in what order, which page.

Shared by the `invoices` resolver and the compiled plans (graph/compiled/), so both read
exactly the same page.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.resolvers.filtering import filtered
from graph.resolvers.pagination import Page, decode_cursor, keyset_page, page_window
from graph.types.filters import InvoiceFilter
from graph.types.sorting import InvoiceSort, sort_keys
from store.invoices import InvoiceRow, ScopedInvoices
from store.keyset import SortKey


@dataclass(frozen=True)
class Listing:
    """One page request of the `invoices` field; raises BAD_USER_INPUT when built from bad
    arguments."""

    invoices: ScopedInvoices
    criteria: dict[str, Any] | None
    keys: tuple[SortKey, ...]
    size: int
    cursor: str | None
    backwards: bool
    start: list[Any] | None

    @classmethod
    def of(
        cls,
        invoices: ScopedInvoices,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        filter: InvoiceFilter | None,
        sort: list[InvoiceSort] | None,
    ) -> "Listing":
        invoices, criteria = filtered(invoices, filter)
        keys = sort_keys(sort)
        size, cursor, backwards = page_window(first, after, last, before)
        start = decode_cursor("before" if backwards else "after", cursor, keys) if cursor else None
        return cls(invoices, criteria, keys, size, cursor, backwards, start)

    def count_matching(self) -> Callable[[], Awaitable[int]]:
        async def count() -> int:
            return await self.invoices.count(self.criteria)

        return count

    async def page(self, fields: Iterable[str] | None, read_only: bool) -> Page[InvoiceRow]:
        """The page's rows, in the listing's order, with their cursors (one command).

        `read_only=True`: the caller only reads the rows before its next `await`.
        """
        rows = await self.invoices.find_page(
            self.criteria, self.keys, self.start, self.size + 1, self.backwards, fields, read_only
        )
        return keyset_page(rows, self.keys, self.size, self.cursor, self.backwards)
