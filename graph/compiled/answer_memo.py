"""Invoice answers remembered by the stored document they were built from.

An object plan is a pure function of the stored document it reads: the same document
gives the same answer, or the same Fallback. So once a plan that selects many values has
built an invoice, its answer is kept as JSON text, and the next time the store returns the
very same document the answer goes to the serializer whole (`orjson.Fragment`). An invoice
then costs one encoding of the stored document (the key) and one lookup, in place of
reading, testing and copying each of its values: the cost of serializing the stored
documents, which is the limit issue 19 sets.

The key is the document's JSON text, with datetimes, subclasses of JSON types and
dataclasses refused (a document holding one is built every time), so two documents share a
key only when they hold equal values of equal JSON types. Stored documents come from BSON,
decoded by the driver into such values (its default settings decode no UUID), or from the
embedded store's own writes of JSON values. An answer is never stale: a changed document is
another key, and the old answer ages out of the byte-bounded LRU.
"""

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from graph.compiled.objects import ListOf, ObjectPlan

WORTH_REMEMBERING = 48
"""The fewest values (a list's element counted once) a plan selects for its answers to be
kept. Encoding the key costs about as much as building 30 values of a demo invoice
(docs/performance.md): smaller selections are built every time."""

DEFAULT_MEMORY_MB = 64
"""MiB of keys and answers a process keeps unless configured (about 4,000 demo invoices)."""

ENTRY_OVERHEAD = 200
"""Bytes counted per entry beyond its two texts: the key tuple, the fragment, the LRU's links."""

_EXACT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_EXACT |= orjson.OPT_PASSTHROUGH_DATACLASS

Answer = Callable[[dict[str, Any]], Any]
"""A stored invoice -> its answer (a dictionary, or a fragment of JSON text)."""


def _no_key(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} has no exact JSON text")


class AnswerMemo:
    """The process's remembered answers, at most `max_bytes` of keys and answers together."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # An OrderedDict, not cachetools: it is looked up once per invoice of a page, and its
        # lookups run in C (cachetools' LRU took 4.5% of a full page's CPU under wrk).
        self._answers: OrderedDict[tuple[ObjectPlan, bytes], tuple[orjson.Fragment, int]] = (
            OrderedDict()
        )
        self.bytes_held = 0
        self.hits = 0
        self.misses = 0

    def answering(self, plan: ObjectPlan) -> Answer:
        """`plan` itself when its answers are not worth keeping (or nothing is kept)."""
        if self.max_bytes <= 0 or selected_values(plan) < WORTH_REMEMBERING:
            return plan
        return lambda document: self.answer(plan, document)

    def answer(self, plan: ObjectPlan, document: dict[str, Any]) -> Any:
        """`plan(document)`, as a fragment of JSON text kept for the same document again."""
        try:
            text = orjson.dumps(document, option=_EXACT, default=_no_key)
        except TypeError:  # orjson.JSONEncodeError is one
            return plan(document)
        key = (plan, text)
        answers = self._answers
        found = answers.get(key)
        if found is not None:
            answers.move_to_end(key)
            self.hits += 1
            return found[0]
        self.misses += 1
        built = orjson.dumps(plan(document), default=str)  # Fallback: nothing is kept
        fragment = orjson.Fragment(built)
        size = len(text) + len(built) + ENTRY_OVERHEAD
        if size <= self.max_bytes:
            answers[key] = (fragment, size)
            self.bytes_held += size
            while self.bytes_held > self.max_bytes:  # the least recently used out first
                self.bytes_held -= answers.popitem(last=False)[1][1]
        return fragment


def selected_values(plan: ObjectPlan) -> int:
    """The values one answer of `plan` holds, counting each list's element once."""
    return sum(_values(read.convert) if read.name is not None else 1 for read in plan.reads)


def _values(convert: Any) -> int:
    if isinstance(convert, ObjectPlan):
        return selected_values(convert)
    if isinstance(convert, ListOf):
        return _values(convert.item)
    return 1
