"""A listing's arguments, checked once: which invoices, in what order, which page.

Shared by the `invoices` resolver and the compiled plans (graph/compiled/), so both read
exactly the same page.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.resolvers.filtering import filtered
from graph.resolvers.pagination import decode_cursor, encode_cursor, page_window
from graph.types.filters import InvoiceFilter
from graph.types.sorting import InvoiceSort, sort_keys
from store.client import Document
from store.invoices import ScopedInvoices
from store.keyset import SortKey, key_values


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

    async def documents(self, fields: Iterable[str] | None, shared: bool) -> "Page":
        """The page's stored documents, in the listing's order (one command)."""
        rows = await self.invoices.find_page_documents(
            self.criteria, self.keys, self.start, self.size + 1, self.backwards, fields, shared
        )
        return self.page(rows)

    def page(self, rows: list[Document]) -> "Page":
        """The page among `size + 1` rows read in the walking direction."""
        has_more = len(rows) > self.size
        rows = rows[: self.size]
        if self.backwards:
            rows.reverse()
        return Page(
            rows=rows,
            cursors=[encode_cursor(self.keys, key_values(row, self.keys)) for row in rows],
            has_next=has_more if not self.backwards else self.cursor is not None,
            has_previous=has_more if self.backwards else self.cursor is not None,
        )


@dataclass(frozen=True)
class Page:
    """The documents of one page, each with its cursor, and where the page stands."""

    rows: list[Document]
    cursors: list[str]
    has_next: bool
    has_previous: bool
