"""Relay connections over keyset pages, with opaque cursors holding the sort-key values."""

import base64
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar

import orjson

from graph.errors import BadUserInput
from graph.page_sizes import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from store.keyset import SortKey, values_fit


def page_size(argument: str, value: int | None, default: int) -> int:
    """The page size an argument asks for: `default` when absent, 0 to MAX_PAGE_SIZE."""
    size = default if value is None else value
    if size < 0:
        raise BadUserInput(argument, "must not be negative")
    if size > MAX_PAGE_SIZE:
        raise BadUserInput(argument, f"at most {MAX_PAGE_SIZE} per page")
    return size


def sort_signature(keys: Sequence[SortKey]) -> str:
    return ",".join(("-" if key.descending else "+") + key.path for key in keys)


def encode_cursor(keys: Sequence[SortKey], values: Sequence[Any]) -> str:
    payload = orjson.dumps([sort_signature(keys), list(values)])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(argument: str, cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The sort-key values in a cursor made for the same sort, or a BAD_USER_INPUT error."""
    try:
        signature, values = orjson.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
    except (ValueError, TypeError, UnicodeError, orjson.JSONDecodeError):
        raise BadUserInput(argument, "not a cursor returned by this API") from None
    if signature != sort_signature(keys):
        raise BadUserInput(argument, "the cursor was made for a different sort order")
    if not isinstance(values, list) or not values_fit(keys, values):
        raise BadUserInput(argument, "not a cursor returned by this API")
    return values


def page_window(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> tuple[int, str | None, bool]:
    """(page size, cursor to start from, walking backwards) for Relay's arguments.

    `first`/`after` walk forwards, `last`/`before` backwards; without a size a page
    holds DEFAULT_PAGE_SIZE invoices, and never more than MAX_PAGE_SIZE.
    """
    if first is not None and last is not None:
        raise BadUserInput("last", "pass either first or last, not both")
    if last is not None and after is not None:
        raise BadUserInput("after", "walk backwards with last/before, forwards with first/after")
    if first is not None and before is not None:
        raise BadUserInput("before", "walk backwards with last/before, forwards with first/after")
    backwards = last is not None or (before is not None and first is None)
    if backwards:
        size = page_size("last", last, DEFAULT_PAGE_SIZE)
    else:
        size = page_size("first", first, DEFAULT_PAGE_SIZE)
    return size, (before if backwards else after), backwards


T = TypeVar("T")


class PageInfoValues(TypedDict):
    """The fields of a connection's PageInfo (graph/types/invoice.py), by their names."""

    hasNextPage: bool
    hasPreviousPage: bool
    startCursor: str | None
    endCursor: str | None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset listing: its items in the listing's order, each with its sort-key
    values, and where the page stands. Every connection (and compiled plan) builds its
    edges and pageInfo from one. A cursor is encoded only when something asks for it."""

    items: list[T]
    key_values: list[Sequence[Any]]
    """Each item's sort-key values: what its cursor encodes."""
    keys: Sequence[SortKey]
    has_next: bool
    has_previous: bool

    @functools.cached_property
    def cursors(self) -> list[str]:
        return [encode_cursor(self.keys, values) for values in self.key_values]

    def page_info(self) -> PageInfoValues:
        ends = self.key_values
        return {
            "hasNextPage": self.has_next,
            "hasPreviousPage": self.has_previous,
            "startCursor": encode_cursor(self.keys, ends[0]) if ends else None,
            "endCursor": encode_cursor(self.keys, ends[-1]) if ends else None,
        }


NO_PAGE: Page[Any] = Page([], [], (), has_next=False, has_previous=False)
"""The page of a connection whose edges and pageInfo nobody selected: none is read."""


def keyset_page(
    rows: Sequence[tuple[T, Sequence[Any]]],
    keys: Sequence[SortKey],
    size: int,
    cursor: str | None,
    backwards: bool = False,
) -> Page[T]:
    """The page among up to `size + 1` rows (each with its sort-key values) read in the
    walking direction from `cursor`: the extra row only tells that more follow."""
    has_more = len(rows) > size
    kept = list(rows[:size])
    if backwards:
        kept.reverse()
    return Page(
        items=[item for item, _ in kept],
        key_values=[values for _, values in kept],
        keys=keys,
        has_next=has_more if not backwards else cursor is not None,
        has_previous=has_more if backwards else cursor is not None,
    )
