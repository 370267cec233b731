"""The embedded store's filtering: plain top-level conditions decided without mongomock's
matcher (store/embedded/filtering.py), with exactly its answers.

Generated documents hold values of many types under a few names; generated filters mix the
decidable shapes with everything else (dotted paths, other operators, other operand types,
malformed clauses). Finds, counts and updates on the accelerated store and on a plain
mongomock collection must agree: same documents in the same order, same errors.
"""

import copy
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock.filtering import _Filterer

from seeds.demo import generate_demo_invoices
from store.client import Database, open_database
from store.collection_names import INVOICES
from store.invoices import InvoiceStore, Scope, to_document
from tests.store.test_embedded_find import (
    NEWEST_FIRST,
    Failure,
    Found,
    Query,
    accelerated,
    as_sent,
    run,
    stored,
    unaccelerated,
)

FIELDS = ("a", "b", "c", "d")
TEXTS = st.sampled_from(["", "a", "b", "ba", "x"])
INTEGERS = st.one_of(st.integers(-2, 2), st.just(2**40))
"""Integers, one of them beyond 32 bits."""

A_DATE = datetime(2020, 1, 2)  # noqa: DTZ001 (mongomock stores naive UTC)
OTHER_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0.0, 1.0, -1.5, 2.5]),  # integral floats equal ints to Python
    st.just(A_DATE),
)
LEAVES = st.one_of(TEXTS, INTEGERS, OTHER_SCALARS)
VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=2),
    ),
    max_leaves=5,
)
# Mostly texts and integers, so that most documents are decided by the pre-check.
FIELD_VALUES = st.one_of(TEXTS, INTEGERS, TEXTS, INTEGERS, OTHER_SCALARS, VALUES)
DOCUMENTS = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), FIELD_VALUES, max_size=4), max_size=12
)

# Decidable conditions: a text or int operand, a list of one kind for $in and $nin.
KINDED = st.one_of(TEXTS.map(lambda text: (str, text)), INTEGERS.map(lambda number: (int, number)))
SAME_KIND_LISTS = st.one_of(st.lists(TEXTS, min_size=1, max_size=3), st.lists(INTEGERS, min_size=1))
COMPARISONS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]


@st.composite
def decidable_conditions(draw: st.DrawFn) -> Any:
    """`value`, `{op: value}`, or several operators on one kind (a range, $ne with $in)."""
    kind, value = draw(KINDED)
    if draw(st.booleans()):
        return value
    strategy = TEXTS if kind is str else INTEGERS
    names = draw(st.lists(st.sampled_from([*COMPARISONS, "$in", "$nin"]), min_size=1, max_size=2))
    return {
        name: draw(st.lists(strategy, min_size=1, max_size=3))
        if name in ("$in", "$nin")
        else draw(strategy)
        for name in names
    }


OTHER_CONDITIONS = st.one_of(
    LEAVES,  # None, bool, float and date operands
    st.tuples(st.sampled_from(COMPARISONS), VALUES).map(lambda pair: dict([pair])),
    st.tuples(st.sampled_from(["$in", "$nin"]), st.lists(LEAVES, max_size=3)).map(
        lambda pair: dict([pair])
    ),
    SAME_KIND_LISTS.map(lambda values: {"$in": values, "$exists": True}),
    st.sampled_from(
        [
            {"$exists": False},
            {"$exists": True},
            {"$regex": "^b"},
            {"$regex": "("},  # an invalid pattern: mongomock raises re.error
            {"$in": "a"},  # not a list: OperationFailure
            {"$in": []},
            {"$in": ("a", "b")},
            {"$in": ["a", 1]},
            {"$foo": 1},
            {"$not": {"$eq": "a"}},
            {"$size": 1},
            {"$type": "string"},
            {"$elemMatch": {"$eq": 1}},
            {},
            {"$eq": "a", "b": 1},
        ]
    ),
)
CONDITIONS = st.one_of(*[decidable_conditions()] * 3, OTHER_CONDITIONS)
PATHS = st.one_of(
    *[st.sampled_from(FIELDS)] * 3, st.sampled_from(["a.b", "b.c.a", "a.0", "", "_id"])
)
CLAUSES = st.dictionaries(PATHS, CONDITIONS, min_size=1, max_size=3)


def nested_filters(clauses: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """A clause, or `$and`, `$or` and `$nor` of filters, with oddities at the top."""
    parts = st.lists(clauses, min_size=1, max_size=3)
    logical = st.one_of(
        parts.map(lambda found: {"$and": found}),
        parts.map(lambda found: {"$and": found}),
        parts.map(lambda found: {"$or": found}),
        parts.map(lambda found: {"$nor": found}),
        st.tuples(clauses, parts).map(lambda pair: {**pair[0], "$and": pair[1]}),
        st.tuples(parts, clauses).map(lambda pair: {"$and": pair[0], **pair[1]}),
        clauses.map(lambda clause: {"$comment": "why", **clause}),
    )
    return st.one_of(clauses, logical)


ODD_FILTERS = st.sampled_from(
    [{}, {"$and": []}, {"$and": "a"}, {"$and": [1]}, {"$where": "1"}, {"$foo": 1}]
)
FILTERS = st.one_of(
    CLAUSES,
    nested_filters(CLAUSES),
    nested_filters(CLAUSES).map(lambda nested: {"$and": [nested]}),
    ODD_FILTERS,
    st.tuples(CLAUSES, ODD_FILTERS).map(lambda pair: {"$and": [pair[0], pair[1]]}),
    st.tuples(ODD_FILTERS, CLAUSES).map(lambda pair: {"$and": [pair[0], pair[1]]}),
)


def counted(collection: Any, filter: Any) -> int | Failure:
    try:
        count: int = collection.count_documents(filter)
    except Exception as error:  # compared with what mongomock raises
        return Failure(type(error).__name__)
    return count


def updated_once(collection: Any, filter: Any) -> Found | Failure:
    """The documents after marking the first match: updates stop at it, errors after it
    are never raised."""
    try:
        collection.update_one(filter, {"$set": {"marked": True}})
    except Exception as error:  # compared with what mongomock raises
        return Failure(type(error).__name__)
    everything: Found = list(collection.find({}))
    return everything


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS.map(stored), st.lists(FILTERS, min_size=1, max_size=4))
def test_filter_answers_as_unaccelerated_mongomock(
    documents: list[dict[str, Any]], filters: list[Any]
) -> None:
    collection, reference = accelerated(documents), unaccelerated(documents)

    for filter in filters:
        query = Query(copy.deepcopy(filter), None, [], 0, 0)
        assert as_sent(run(collection, query)) == as_sent(run(reference, query)), filter
        assert counted(collection, filter) == counted(reference, filter), filter

    changed = updated_once(collection, filters[0])
    assert as_sent(changed) == as_sent(updated_once(reference, filters[0])), filters[0]


OPERANDS = ["", "a", "b", "ba", -1, 0, 1, 2**40]
STORED = [*OPERANDS, True, False, 0.0, 1.0, 1.5, None, A_DATE, ["a"], [1], {"a": 1}]
"""Every operand, and values of every other type next to them: each a document's `a`."""

SINGLE_CONDITIONS = [
    *OPERANDS,
    *({name: operand} for name in COMPARISONS for operand in OPERANDS),
    *({name: values} for name in ("$in", "$nin") for values in (["a", "ba"], [0, 1], [2**40])),
    *({"$gte": low, "$lt": high} for low, high in (("a", "b"), (0, 2), (-1, 0))),
    {"$ne": "a", "$in": ["a", "b"]},
]


def test_single_conditions_answer_as_unaccelerated_mongomock() -> None:
    documents = stored([{"a": value} for value in STORED] + [{}, {"b": "a"}])
    collection, reference = accelerated(documents), unaccelerated(documents)

    for condition in SINGLE_CONDITIONS:
        query = Query({"a": condition}, None, [], 0, 0)
        assert as_sent(run(collection, query)) == as_sent(run(reference, query)), condition


FAILING_FIRST = [
    {"a": {"$foo": 1}, "b": "none"},
    {"$and": [{"a": {"$in": "a"}}, {"b": "none"}]},
    {"$and": [{"a": {"$regex": "("}}, {"a": {"$in": [2**40]}}]},
    {"$and": [], "a": "none"},
    {"$where": "1", "a": "none"},
    {"b": "none", "a": {"$foo": 1}},  # rejected before the failing clause: no error
]


@pytest.mark.parametrize("filter", FAILING_FIRST)
def test_failing_clause_raises_as_unaccelerated_mongomock_before_plain_ones(filter: Any) -> None:
    documents = stored([{"a": value} for value in STORED])
    collection, reference = accelerated(documents), unaccelerated(documents)
    query = Query(filter, None, [], 0, 0)

    found, expected = run(collection, query), run(reference, query)

    assert as_sent(found) == as_sent(expected)
    assert counted(collection, filter) == counted(reference, filter)
    assert as_sent(updated_once(collection, filter)) == as_sent(updated_once(reference, filter))


FAILING_AROUND_ID = [
    {"a": {"$in": "a"}, "_id": "none"},  # a hypothesis run found [] answered: mongomock raises
    {"a": {"$in": "a"}, "_id": "d00"},
    {"a": {"$in": "a"}, "_id": {"$in": ["d00", "none"]}},
    {"$and": [{"a": {"$regex": "("}}], "_id": "none"},
    {"a": "none", "b": {"$foo": 1}, "_id": "none"},
    {"_id": "none", "a": {"$in": "a"}},  # no document reaches the failing clause: no error
    {"_id": "d00", "a": {"$in": "a"}},
    {"a": "none", "_id": "none", "b": {"$foo": 1}},
]


@pytest.mark.parametrize("filter", FAILING_AROUND_ID)
def test_failing_clause_before_an_id_raises_as_unaccelerated_mongomock(filter: Any) -> None:
    """mongomock applies the clauses before `_id` to every document, so one that fails
    raises even when no document has that `_id`: a read by `_id` must not skip it."""
    documents = stored([{"a": value} for value in STORED])
    collection, reference = accelerated(documents), unaccelerated(documents)
    query = Query(filter, None, [], 0, 0)

    assert as_sent(run(collection, query)) == as_sent(run(reference, query))
    assert counted(collection, filter) == counted(reference, filter)
    assert as_sent(updated_once(collection, filter)) == as_sent(updated_once(reference, filter))


def counting_matches(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The filters mongomock's matcher is asked to apply from now on, nested ones included."""
    applied: list[Any] = []
    apply = _Filterer.apply

    def counting(self: _Filterer, search_filter: Any, document: Any) -> Any:
        applied.append(search_filter)
        return apply(self, search_filter, document)

    monkeypatch.setattr(_Filterer, "apply", counting)
    return applied


@pytest.fixture(scope="module")
def demo_documents() -> list[dict[str, Any]]:
    """Two accounts of demo invoices, with `_id`s (generated once per module)."""
    invoices = generate_demo_invoices(("demo", "acme"), per_account=300)
    return [{"_id": f"i{n:04}", **to_document(invoice)} for n, invoice in enumerate(invoices)]


@pytest.fixture(scope="module")
def demo_database(demo_documents: list[dict[str, Any]]) -> Database:
    """The embedded store holding the demo invoices; the tests using it only read."""
    database = open_database(None, "filter_test")
    database.collection(INVOICES)._embedded.insert_many(copy.deepcopy(demo_documents))
    return database


@pytest.fixture(scope="module")
def demo_reference(demo_documents: list[dict[str, Any]]) -> Any:
    """A plain mongomock collection holding the demo invoices."""
    return unaccelerated(demo_documents)


@pytest.mark.parametrize(
    ("scope", "criteria"),
    [
        (Scope("demo"), None),
        (Scope("demo", channel="web-eu"), None),
        (Scope("demo"), {"invoiceType": {"$in": ["RETURN", "SHIPPING"]}}),
        (Scope("demo"), {"invoiceDate": {"$gte": "2024-01-01"}, "invoiceStatus": "SETTLED"}),
    ],
)
async def test_find_and_count_with_plain_conditions_skip_the_matcher(
    monkeypatch: pytest.MonkeyPatch,
    demo_database: Database,
    demo_reference: Any,
    scope: Scope,
    criteria: dict[str, Any] | None,
) -> None:
    invoices = InvoiceStore(demo_database).scoped(scope)
    scoped = invoices.where(criteria)
    applied = counting_matches(monkeypatch)

    found = await demo_database.collection(INVOICES).find(
        scoped, {"_id": 0}, sort=NEWEST_FIRST, limit=100, read_only=True
    )
    count = await invoices.count(criteria)

    assert applied == []
    assert found
    assert as_sent(found) == as_sent(
        run(demo_reference, Query(scoped, {"_id": 0}, NEWEST_FIRST, 0, 100))
    )
    assert count == counted(demo_reference, scoped)


async def test_count_with_a_dotted_path_matches_only_what_the_scope_keeps(
    monkeypatch: pytest.MonkeyPatch,
    demo_database: Database,
    demo_documents: list[dict[str, Any]],
) -> None:
    invoices = InvoiceStore(demo_database).scoped(Scope("demo"))
    criteria = {"orders.items.sku": {"$ne": "none"}}
    in_scope = [
        document
        for document in demo_documents
        if document["account"] == "demo" and document["invoiceStatus"] != "DELETED"
    ]
    applied = counting_matches(monkeypatch)

    count = await invoices.count(criteria)

    # The scope rejects the other account and deleted invoices; only the path goes to mongomock.
    assert applied == [criteria] * len(in_scope)
    assert count == len(in_scope)
