"""Documents seen before, by their text: parsed, measured and validated once.

A partner's persisted documents arrive thousands of times. Lexing, parsing, measuring
and validating the same text gives the same answer every time (the schema and the limits
are fixed for the process), so the cache keeps the parsed document and what was learnt
about it; only the parts that depend on the caller or the variables (introspection
rights, cost, budget) run again on every request. Only documents that passed are kept.

Bounded by the characters of the texts it holds, least recently used out first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cachetools import LRUCache
from graphql import DocumentNode

T = TypeVar("T")

DEFAULT_MAX_CHARACTERS = 1_000_000
"""About 200 documents of the size of a full invoice page. Each keeps its parsed tree and its
plans (graph/compiled/): about half a megabyte for a page of full invoices with four
`@include` variables in all their settings, less where plans share their selections."""


@dataclass
class CachedDocument:
    """One document text, parsed, with what every request of it would compute again."""

    document: DocumentNode
    validated: bool = False
    """Standard validation found no error."""
    derived: dict[Any, Any] = field(default_factory=dict)
    """Facts computed once from the document alone (shapes, execution plans), by key."""

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` the first time `key` is asked for, the same answer afterwards."""
        if key not in self.derived:
            self.derived[key] = compute()
        value: T = self.derived[key]
        return value

    def kept(self, kind: str) -> int:
        """How many facts of one kind (keys `(kind, ...)`) are kept: plans, costs."""
        return sum(1 for key in self.derived if isinstance(key, tuple) and key[0] == kind)


class DocumentCache:
    """Parsed documents by text, at most `max_characters` of text in all."""

    def __init__(self, max_characters: int = DEFAULT_MAX_CHARACTERS) -> None:
        self.max_characters = max_characters
        self._entries: LRUCache[str, tuple[int, CachedDocument]] = LRUCache(
            max_characters, getsizeof=lambda entry: entry[0]
        )
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> CachedDocument | None:
        entry = self._entries.get(text)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        return entry[1]

    def peek(self, text: str) -> CachedDocument | None:
        """The entry of `text`, without counting a hit: what a request parsed (or took
        from here) is found again by the later steps of that request."""
        entry: tuple[int, CachedDocument] | None = self._entries.get(text)
        return None if entry is None else entry[1]

    def entry_of(self, text: str | None, document: DocumentNode | None) -> CachedDocument | None:
        """The entry of `text` if it holds `document`, the one this request runs."""
        cached = self.peek(text) if text is not None else None
        return cached if cached is not None and cached.document is document else None

    def add(self, text: str, document: DocumentNode) -> CachedDocument:
        """Keep a document that parsed and passed the text limits."""
        entry = self._entries.get(text)
        if entry is not None:
            return entry[1]
        cached = CachedDocument(document)
        if len(text) <= self.max_characters:  # larger: used for this request only
            self._entries[text] = (len(text), cached)
        return cached

    def __len__(self) -> int:
        return len(self._entries)
