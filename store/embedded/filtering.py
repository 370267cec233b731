"""The embedded store's filtering: plain conditions on top-level fields decided in Python.

mongomock's `filter_applies` costs about 3 µs per document, and nearly every read filters
on the same few top-level text fields (the account scope of store/invoices.py). A
`Precheck` compiles a filter's conditions of the form `{field: value}` or
`{field: {op: value}}` (op among $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte; value a `str`
or a non-bool `int`, or a list of one of them for $in and $nin) and decides them for
stored values of exactly the query's type, where mongomock's answer is Python's. Any other
stored value (lists, documents, null, floats, booleans, dates, ...) and any other clause
(dotted paths, $or, $not, $regex, ...) leave the document to `filter_applies`.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from mongomock.filtering import filter_applies

Document = dict[str, Any]
Test = Callable[[Any], bool]

_MISSING = object()
_KINDS = (str, int)
_REFLECTED = {
    "$eq": "__eq__",
    "$ne": "__ne__",
    "$gt": "__lt__",
    "$gte": "__le__",
    "$lt": "__gt__",
    "$lte": "__ge__",
}
"""`stored op operand` as the operand's own method: `stored > 3` is `(3).__lt__(stored)`."""
_LISTS = frozenset({"$in", "$nin"})
_MATCHES_MISSING = frozenset({"$ne", "$nin"})
"""mongomock's answer for a missing field: only the negative operators hold (no null asked)."""


class FieldCondition(NamedTuple):
    """Conditions on one top-level field, all on values of one type (`kind`)."""

    field: str
    kind: type
    test: Test
    when_missing: bool
    pins: frozenset[Any] | None
    """The values the field must equal one of (plain, `$eq`, `$in`), if the condition says."""


@dataclass(frozen=True)
class Precheck:
    """A filter as the AND of its leading decidable conditions and the rest, in order.

    Only the conditions before the first undecidable clause may reject a document: mongomock
    evaluates clauses in order and stops at the first that fails, so a clause it never
    reaches cannot raise its errors (a bad `$regex`, `$in` without a list) either.
    """

    filter: Document
    leading: tuple[FieldCondition, ...]
    rest: Document | None

    def matching(self, documents: Iterable[Document]) -> Iterator[Document]:
        """The documents the filter matches, in order, as `filter_applies` decides them."""
        filter, rest = self.filter, self.rest
        for document in documents:
            for field, kind, test, when_missing, _ in self.leading:
                stored = document.get(field, _MISSING)
                if type(stored) is kind:
                    if not test(stored):
                        break
                elif stored is _MISSING:
                    if not when_missing:
                        break
                else:  # a type whose comparison follows mongomock's own rules
                    if filter_applies(filter, document):
                        yield document
                    break
            else:
                if rest is None or filter_applies(rest, document):
                    yield document


def precheck(filter: Any) -> Precheck | None:
    """The compiled filter; None when no leading condition is decidable (or not a dict)."""
    if not isinstance(filter, dict):
        return None
    clauses = _clauses(filter)
    leading: list[FieldCondition] = []
    for _, condition in clauses:
        if condition is None:
            break
        leading.append(condition)
    if not leading:
        return None
    rest = [clause for clause, _ in clauses[len(leading) :]]
    if not rest:
        return Precheck(filter, tuple(leading), None)
    return Precheck(filter, tuple(leading), rest[0] if len(rest) == 1 else {"$and": rest})


def matching_documents(filter: Any, documents: Iterable[Document]) -> Iterator[Document]:
    """The documents `filter` matches, lazily and in order, exactly as `filter_applies` says."""
    compiled = precheck(filter)
    if compiled is None:
        return (document for document in documents if filter_applies(filter, document))
    return compiled.matching(documents)


def plain_before(filter: Mapping[str, Any], field: str) -> bool:
    """Whether every clause mongomock applies before `field`'s is one the pre-check decides.
    mongomock applies those to every document, and they never raise: reading only the
    documents that hold `field`'s value then skips no error mongomock would raise."""
    for key, value in filter.items():
        if key == field:
            return True
        if any(condition is None for _, condition in _clauses({key: value})):
            return False
    return True


def _clauses(filter: Document) -> list[tuple[Document, FieldCondition | None]]:
    """The filter's clauses in mongomock's order of evaluation, nested `$and`s flattened,
    each as a one-key filter with its decidable condition (None when it has none)."""
    clauses: list[tuple[Document, FieldCondition | None]] = []
    for key, value in filter.items():
        if key == "$comment":  # mongomock skips it
            continue
        if key == "$and" and _flattenable(value):
            for nested in value:
                clauses.extend(_clauses(nested))
            continue
        clauses.append(({key: value}, _field_condition(key, value)))
    return clauses


def _flattenable(value: Any) -> bool:
    # An empty or malformed `$and` stays whole, for `filter_applies` to raise its error.
    return type(value) is list and bool(value) and all(isinstance(item, dict) for item in value)


def _field_condition(field: str, query: Any) -> FieldCondition | None:
    """The decidable condition of `{field: query}`, or None."""
    if type(field) is not str or not field or "." in field or field.startswith("$"):
        return None
    if type(query) in _KINDS:
        return FieldCondition(field, type(query), query.__eq__, False, frozenset([query]))
    if type(query) is not dict or not query:
        return None
    kinds = {_operand_kind(name, operand) for name, operand in query.items()}
    kind = kinds.pop()
    if kinds or kind is None:  # several kinds, or an operand that is not decidable
        return None
    tests = [_operator_test(name, operand) for name, operand in query.items()]
    when_missing = all(name in _MATCHES_MISSING for name in query)
    test = tests[0] if len(tests) == 1 else _all_of(tests)
    return FieldCondition(field, kind, test, when_missing, _pins(query))


def _operand_kind(name: str, operand: Any) -> type | None:
    """The one type `operand` of operator `name` compares with, or None if not decidable."""
    if name in _REFLECTED:
        return type(operand) if type(operand) in _KINDS else None
    if name in _LISTS and type(operand) is list and operand:
        kinds = {type(value) for value in operand}
        return kinds.pop() if len(kinds) == 1 and kinds <= set(_KINDS) else None
    return None


def _operator_test(name: str, operand: Any) -> Test:
    """`stored op operand` for a stored value of the operand's type."""
    if name == "$in":
        return frozenset(operand).__contains__
    if name == "$nin":
        excluded = frozenset(operand)
        return lambda stored: stored not in excluded
    test: Test = getattr(operand, _REFLECTED[name])
    return test


def _pins(query: Document) -> frozenset[Any] | None:
    pins = None
    for name, operand in query.items():
        if name in ("$eq", "$in"):
            values = frozenset(operand if name == "$in" else [operand])
            pins = values if pins is None else pins & values
    return pins


def _all_of(tests: list[Test]) -> Test:
    return lambda stored: all(test(stored) for test in tests)
