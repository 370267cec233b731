"""The embedded store's find: copies only what skip and limit keep, answers as mongomock does.

store/embedded/collection.py gives each collection a find that filters and sorts the stored
documents first and copies only the window (store/embedded/find.py), or copies nothing for a shared
read. Generated documents, filters, sorts and projections run on it and on a plain,
unaccelerated mongomock collection holding the same documents: the answers must be equal,
key for key.
"""

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import mongomock
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection as MockCollection
from mongomock.store import CollectionStore
from pymongo import DeleteMany, IndexModel, InsertOne, UpdateMany

from seeds.demo import generate_demo_invoices
from store.client import Database, open_database
from store.collection_names import INVOICES
from store.embedded.collection import keyed_documents
from store.embedded.filtering import precheck
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope, to_document

FIELDS = ("a", "b", "c")
PATHS = ("a", "b", "c", "a.b", "a.c", "b.a", "b.c", "a.b.c")
NEWEST_FIRST = [("invoiceDate", -1), ("invoiceId", -1)]
"""The listing the brief measures: newest invoices first, ties broken by invoiceId."""

Found = list[dict[str, Any]]


@dataclass(frozen=True)
class Failure:
    """A find that raised: compared by the exception's type."""

    kind: str


@dataclass(frozen=True)
class Query:
    """One find: filter, projection, sort, skip and limit."""

    filter: dict[str, Any]
    projection: Any
    sort: list[tuple[str, int]]
    skip: int
    limit: int


# Documents: nested objects and arrays over a few field names, so that paths collide.
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-3, 3, allow_nan=False).filter(lambda number: not number.is_integer()),
    st.sampled_from(["", "x", "y", "z"]),
    # Hypothesis takes naive bounds; mongomock stores naive UTC and the read makes it aware.
    st.datetimes(datetime(2020, 1, 1), datetime(2020, 1, 3)).map(  # noqa: DTZ001
        lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    ),
)
VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(st.dictionaries(st.sampled_from(FIELDS), children, max_size=3), max_size=3),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=3),
    ),
    max_leaves=8,
)
DOCUMENTS = st.lists(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=3), max_size=12)

# Filters: the operators the project sends (store/invoice_filters.py, store/keyset.py).
COMPARED = st.one_of(LEAVES, st.lists(LEAVES, max_size=2))
CONDITIONS = st.one_of(
    COMPARED,
    st.sampled_from(["$eq", "$ne", "$lt", "$lte", "$gt", "$gte"]).flatmap(
        lambda operator: COMPARED.map(lambda value: {operator: value})
    ),
    st.sampled_from(["$in", "$nin"]).flatmap(
        lambda operator: st.lists(LEAVES, max_size=3).map(lambda values: {operator: values})
    ),
)
CLAUSES = st.dictionaries(st.sampled_from(PATHS), CONDITIONS, min_size=1, max_size=2)
FILTERS = st.one_of(
    st.just({}),
    st.just({}),
    CLAUSES,
    st.lists(CLAUSES, min_size=1, max_size=3).map(lambda clauses: {"$and": clauses}),
    st.lists(CLAUSES, min_size=1, max_size=3).map(lambda clauses: {"$or": clauses}),
)
PINNED_IDS = st.one_of(
    st.integers(0, 12).map(lambda number: {"_id": f"d{number:02}"}),
    st.lists(st.integers(0, 12), max_size=5).map(
        lambda numbers: {"_id": {"$in": [f"d{number:02}" for number in numbers]}}
    ),
)
"""Filters the accelerated store answers by `_id` lookups instead of a scan."""

SORTS = st.lists(
    st.tuples(st.sampled_from([*PATHS, "_id"]), st.sampled_from([1, -1])),
    max_size=2,
    unique_by=lambda key: key[0],
)
ODD_PROJECTIONS = [{"_id": 0}, {"_id": 1}, {"a": 1, "b": 0}, {"a": {"$slice": 1}}, ["a"], {}]
"""Projections without paths, mixed ones, operators, lists: some keep mongomock's own path."""


@st.composite
def projections(draw: st.DrawFn) -> Any:
    """None, an odd projection, or mostly the inclusion or exclusion of (dotted) paths."""
    shape = draw(st.sampled_from(["none", "odd", "paths", "paths", "paths"]))
    if shape == "none":
        return None
    if shape == "odd":
        return copy.deepcopy(draw(st.sampled_from(ODD_PROJECTIONS)))
    flags = draw(st.sampled_from([(1, True), (0, False)]))
    paths = draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3, unique=True))
    projection: dict[str, Any] = {path: draw(st.sampled_from(flags)) for path in paths}
    id_flag = draw(st.sampled_from([None, 0, 1]))
    if id_flag is not None:
        projection["_id"] = id_flag
    return projection


@st.composite
def queries(draw: st.DrawFn) -> Query:
    pinned = draw(st.booleans())
    criteria = draw(PINNED_IDS if pinned else FILTERS)
    sort = draw(SORTS)
    if pinned and "_id" not in dict(sort):
        # Found by `_id`, documents come in the ids' order, not the store's: a sort that
        # ends on the unique `_id` makes the order the same for both.
        sort.append(("_id", 1))
    skip = draw(st.sampled_from([0, 0, 1, 3]))
    limit = draw(st.sampled_from([0, 0, 1, 2, 5]))
    return Query(criteria, draw(projections()), sort, skip, limit)


def stored(documents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"_id": f"d{number:02}", **document} for number, document in enumerate(documents)]


def accelerated(documents: Sequence[Mapping[str, Any]]) -> Any:
    """The embedded store's mongomock collection, as store/client.py opens it, holding these."""
    collection = open_database(None, "find_test").collection("documents")._embedded
    if documents:
        collection.insert_many(copy.deepcopy(list(documents)))
    return collection


def unaccelerated(documents: Sequence[Mapping[str, Any]]) -> Any:
    """A plain mongomock collection, with the embedded store's options, holding these."""
    collection = mongomock.MongoClient(tz_aware=True)["find_test"]["documents"]
    if documents:
        collection.insert_many(copy.deepcopy(list(documents)))
    return collection


def run(collection: Any, query: Query, **options: Any) -> Found | Failure:
    """The documents the query finds, driven as store/client.py drives the cursor."""
    try:
        cursor = collection.find(query.filter, copy.deepcopy(query.projection), **options)
        if query.sort:
            cursor = cursor.sort(query.sort)
        documents: Found = list(cursor.skip(query.skip).limit(query.limit))
    except Exception as error:  # compared with what mongomock raises
        return Failure(type(error).__name__)
    return documents


def window_reference(collection: Any, query: Query) -> Found | Failure:
    """What mongomock answers when it projects only the documents inside skip and limit."""
    window = run(collection, Query(query.filter, None, query.sort, query.skip, query.limit))
    assert not isinstance(window, Failure)
    found: Found = []
    for document in window:
        one = run(collection, Query({"_id": document["_id"]}, query.projection, [], 0, 0))
        if isinstance(one, Failure):
            return one
        found.extend(one)
    return found


def as_sent(result: Found | Failure) -> bytes:
    """A result as bytes that keep key order and types: equal bytes mean equal answers."""
    return orjson.dumps(result if isinstance(result, list) else repr(result), default=str)


def emptied(value: Any) -> None:
    """Empty every list and dict inside `value`, in place."""
    if isinstance(value, dict):
        for item in value.values():
            emptied(item)
        value.clear()
    elif isinstance(value, list):
        for item in value:
            emptied(item)
        value.clear()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS.map(stored), queries())
def test_find_answers_as_unaccelerated_mongomock(
    documents: list[dict[str, Any]], query: Query
) -> None:
    reference = unaccelerated(documents)
    expected = run(reference, query)
    if expected == Failure("AttributeError"):
        # mongomock's projection fails on an array of non-documents along a projected path,
        # for every match it copies; the window-first find copies only the window.
        expected = window_reference(reference, query)
    collection = accelerated(documents)

    copied = run(collection, query)
    shared = run(collection, query, read_only=True)

    assert as_sent(copied) == as_sent(expected)
    # Shared documents are as stored: datetimes naive, which a copying read makes aware.
    assert aware(shared) == copied
    assert as_sent(aware(shared)) == as_sent(copied)
    if isinstance(copied, list) and isinstance(shared, list):
        emptied(copied)
        for document in shared:  # a shared document's own container is new
            document.clear()
        assert as_sent(run(collection, query)) == as_sent(expected)


def aware(found: Any) -> Any:
    """What the tz-aware pass of a copying read makes of shared documents."""
    if not isinstance(found, list):
        return found
    return [helpers.make_datetime_timezone_aware_in_document(copy.deepcopy(d)) for d in found]


def counting_copies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every document mongomock copies out of its store from now on."""
    copies: list[dict[str, Any]] = []
    copy_fields: Callable[..., dict[str, Any]] = MockCollection._copy_only_fields

    def counted(self: Any, document: Any, fields: Any, container: Any) -> dict[str, Any]:
        copied = copy_fields(self, document, fields, container)
        copies.append(copied)
        return copied

    monkeypatch.setattr(MockCollection, "_copy_only_fields", counted)
    return copies


@pytest.mark.parametrize(("read_only", "copied"), [(False, 25), (True, 0)])
def test_find_with_limit_copies_only_the_limit(
    monkeypatch: pytest.MonkeyPatch, read_only: bool, copied: int
) -> None:
    documents = stored(
        [{"a": number % 7, "b": {"c": [number, {"a": "x"}]}} for number in range(300)]
    )
    query = Query({"a": {"$ne": 3}}, {"_id": 0, "b.c": 1}, [("a", -1), ("_id", 1)], 10, 25)
    collection, reference = accelerated(documents), unaccelerated(documents)
    copies = counting_copies(monkeypatch)

    found = run(collection, query, read_only=read_only)

    assert isinstance(found, list)
    assert len(found) == 25
    assert len(copies) == copied
    copies.clear()
    assert found == run(reference, query)
    assert len(copies) == sum(document["a"] != 3 for document in documents)  # every match


@pytest.fixture(scope="module")
def demo_documents() -> list[dict[str, Any]]:
    """Two accounts of demo invoices, with `_id`s (generated once per module)."""
    invoices = generate_demo_invoices(("demo", "acme"), per_account=300)
    return [{"_id": f"i{n:04}", **to_document(invoice)} for n, invoice in enumerate(invoices)]


@pytest.mark.parametrize(
    ("criteria", "projection", "sort", "limit"),
    [
        (None, {"_id": 0}, NEWEST_FIRST, 100),
        (None, {"_id": 0, "_units": 0, "orders.items": 0}, NEWEST_FIRST, 30),
        ({"orders.items.sku": {"$ne": "none"}}, {"_id": 0, "orders.items.sku": 1}, None, 0),
        ({"invoiceType": {"$in": ["RETURN"]}}, {"invoiceId": 1, "_units.invoiceTotal": 1}, None, 5),
    ],
)
async def test_find_shared_reads_what_a_copying_read_reads(
    demo_documents: list[dict[str, Any]],
    criteria: dict[str, Any] | None,
    projection: dict[str, Any],
    sort: list[tuple[str, int]] | None,
    limit: int,
) -> None:
    database = open_database(None, "find_raw_test")
    await database.collection(INVOICES).insert_many(demo_documents)
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    reference = unaccelerated(demo_documents)
    scoped = Query(invoices.where(criteria), projection, sort or [], 0, limit)

    collection = database.collection(INVOICES)
    scope = invoices.where(criteria)
    copied = await collection.find(scope, projection, sort=sort, limit=limit)
    shared = await collection.find(scope, projection, sort=sort, limit=limit, read_only=True)

    assert copied
    assert as_sent(copied) == as_sent(run(reference, scoped))
    assert as_sent(shared) == as_sent(copied)
    await database.drop()


async def test_find_shared_counts_as_one_find(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    await database.collection(INVOICES).insert_many(
        [to_document(i) for i in generate_demo_invoices(("demo",), per_account=20)]
    )
    before = dict(database.commands.by_name)

    collection, scope = database.collection(INVOICES), invoices.where()
    copied = await collection.find(scope, {"_id": 0}, sort=NEWEST_FIRST, limit=10)
    shared = await collection.find(scope, {"_id": 0}, sort=NEWEST_FIRST, limit=10, read_only=True)

    assert len(copied) == 10
    assert shared == copied
    assert database.commands.by_name["find"] == before.get("find", 0) + 2
    assert database.commands.total == sum(before.values()) + 2


# Lookups by unique key: two unique indexes, key values of every kind next to the texts
# that pin them, writes that move, refuse, half-apply and drop keys between the reads.


class Text(str):
    """A text of another type: mongomock matches it as a text, the key maps must not."""


UNIQUE_INDEXES = [
    IndexModel([("account", 1), ("k", 1)], unique=True, name="account_k"),
    IndexModel([("account", 1), ("n", 1)], unique=True, name="account_n"),
]
ACCOUNTS = st.sampled_from(["a", "a", "b"])
KEY_TEXTS = st.sampled_from(["x", "y", "z", "w"])
ODD_KEYS = st.sampled_from([None, 1, ["x"], Text("x")])
"""Key values that match a text by mongomock's rules but not by the key maps' (or none)."""
KEY_VALUES = st.one_of(KEY_TEXTS, KEY_TEXTS, KEY_TEXTS, ODD_KEYS)


@st.composite
def documents_with_keys(draw: st.DrawFn, odd: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {"account": draw(ACCOUNTS)}
    keys = KEY_VALUES if odd else KEY_TEXTS
    for field, values in (("k", keys), ("n", KEY_TEXTS), ("s", st.sampled_from(["p", 1]))):
        if draw(st.integers(0, 5)):  # sometimes missing
            document[field] = draw(values)
    return document


@st.composite
def key_filters(draw: st.DrawFn) -> dict[str, Any]:
    """The shapes store/invoices.py sends: account and one key, or `$in` of keys (repeats,
    misses), often under `$and` with a scope's other conditions."""
    field = draw(st.sampled_from(["k", "n"]))
    keys = draw(st.lists(st.sampled_from(["x", "y", "z", "w", "missing"]), min_size=1, max_size=5))
    pinned = keys[0] if draw(st.integers(0, 2)) == 0 else {"$in": keys}
    extra = draw(
        st.sampled_from(
            [
                {},
                {},
                {},
                {"s": {"$ne": "q"}},
                {"s": "p"},
                {"s": {"$exists": True}},
                {"k": {"$ne": "y"}},
            ]
        )
    )
    if draw(st.booleans()):
        return {"$and": [{"account": draw(ACCOUNTS), **extra}, {field: pinned}]}
    return {**extra, "account": draw(ACCOUNTS), field: pinned}


KEY_QUERIES = st.builds(
    Query,
    key_filters(),
    st.sampled_from([None, {"_id": 0}, {"k": 1}, {"s": 0, "_id": 0}]),
    st.sampled_from([[], [("n", 1)], [("s", -1)], [("k", 1), ("_id", -1)]]),
    st.sampled_from([0, 0, 1]),
    st.sampled_from([0, 0, 1, 2]),
)
KEY_WRITES = st.one_of(
    st.tuples(st.just("insert_one"), documents_with_keys()),
    st.tuples(st.just("update_one"), key_filters(), KEY_VALUES.map(lambda k: {"$set": {"k": k}})),
    st.tuples(st.just("update_many"), key_filters(), st.just({"$set": {"n": "x"}})),
    # Sets the key, then fails on a text `s`: mongomock leaves the key changed.
    st.tuples(
        st.just("update_many"),
        st.just({}),
        KEY_TEXTS.map(lambda k: {"$set": {"k": k}, "$inc": {"s": 1}}),
    ),
    st.tuples(st.just("replace_one"), key_filters(), documents_with_keys()),
    st.tuples(st.just("find_one_and_update"), key_filters(), st.just({"$set": {"k": "z"}})),
    st.tuples(st.just("upsert"), key_filters(), KEY_TEXTS.map(lambda n: {"$set": {"n": n}})),
    st.tuples(st.just("delete_one"), key_filters()),
    st.tuples(st.just("delete_many"), st.sampled_from([{"s": "p"}, {"account": "b"}])),
    st.tuples(st.just("bulk_write"), documents_with_keys(), st.sampled_from(["x", "y"])),
)


def written(collection: Any, write: tuple[Any, ...], number: int) -> str:
    """Apply one write; what came of it (an error's type, or "ok")."""
    name, *arguments = copy.deepcopy(write)
    try:
        if name == "insert_one":
            collection.insert_one({"_id": f"w{number:02}", **arguments[0]})
        elif name == "upsert":  # with an `_id` of its own, not a new ObjectId each
            filter, update = arguments
            update["$setOnInsert"] = {"_id": f"u{number:02}"}
            collection.update_one(filter, update, upsert=True)
        elif name == "bulk_write":
            document, key = arguments
            collection.bulk_write(
                [
                    InsertOne({"_id": f"w{number:02}", **document}),
                    UpdateMany({"account": "a", "k": key}, {"$set": {"n": "y"}}),
                    DeleteMany({"account": "b", "k": {"$in": [key]}}),
                ],
                ordered=False,
            )
        else:
            getattr(collection, name)(*arguments)
    except Exception as error:  # compared with what mongomock raises
        return type(error).__name__
    return "ok"


def indexed(collection: Any, documents: Sequence[Mapping[str, Any]], first: bool) -> list[str]:
    """The documents inserted one by one, the unique indexes created first or after them."""
    outcomes = []
    if first:
        collection.create_indexes(UNIQUE_INDEXES)
    for number, document in enumerate(documents):
        outcomes.append(written(collection, ("insert_one", document), 50 + number))
    if not first:
        try:
            collection.create_indexes(UNIQUE_INDEXES)
        except Exception as error:  # a duplicate among the documents
            outcomes.append(type(error).__name__)
    return outcomes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.booleans().flatmap(lambda odd: st.lists(documents_with_keys(odd), max_size=12)),
    st.booleans(),
    st.lists(st.tuples(st.one_of(st.none(), KEY_WRITES), KEY_QUERIES), min_size=1, max_size=5),
)
def test_lookups_by_unique_key_answer_as_unaccelerated_mongomock(
    documents: list[dict[str, Any]],
    indexes_first: bool,
    steps: list[tuple[tuple[Any, ...] | None, Query]],
) -> None:
    collection = open_database(None, "keyed_test").collection("documents")._embedded
    reference = mongomock.MongoClient(tz_aware=True)["keyed_test"]["documents"]
    outcomes = indexed(collection, documents, indexes_first)
    assert outcomes == indexed(reference, documents, indexes_first)

    for number, (write, query) in enumerate(steps):
        if write is not None:
            outcome = written(collection, write, number)
            assert outcome == written(reference, write, number), write
        expected = run(reference, query)
        assert as_sent(run(collection, query)) == as_sent(expected), query
        assert as_sent(aware(run(collection, query, read_only=True))) == as_sent(expected)
        assert collection.count_documents(query.filter) == reference.count_documents(query.filter)
    assert as_sent(list(collection.find())) == as_sent(list(reference.find()))


def test_lookup_by_keys_answers_in_the_store_order() -> None:
    """Found by `$in` of keys, documents come in the store's order as a scan finds them,
    not the order of the keys: an updated key keeps its place, a re-inserted one goes last."""
    collection = open_database(None, "keyed_order_test").collection("documents")._embedded
    reference = mongomock.MongoClient(tz_aware=True)["keyed_order_test"]["documents"]
    for each in (collection, reference):
        each.create_indexes(UNIQUE_INDEXES)
        each.insert_one({"_id": None, "account": "a", "k": "t", "n": "t"})  # `_id` may be null
        each.insert_many(
            [{"_id": n, "account": "a", "k": k, "n": k} for n, k in enumerate("zyxwv")]
        )
        each.update_one({"account": "a", "k": "y"}, {"$set": {"k": "u"}})
        each.delete_one({"account": "a", "k": "x"})
        each.insert_one({"_id": 9, "account": "a", "k": "x", "n": "x"})
    query = Query({"account": "a", "k": {"$in": list("vxzut")}}, None, [], 0, 0)

    found = run(collection, query)

    assert keyed_documents(collection._store, precheck(query.filter)) is not None  # not a scan
    assert [document["k"] for document in found] == ["t", "z", "u", "v", "x"]  # type: ignore[index]
    assert as_sent(found) == as_sent(run(reference, query))


def test_update_refused_by_a_new_key_map_leaves_the_old_key_found() -> None:
    """The first write after the indexes builds the key maps without the document it
    changes; refused, that document is put back with a key the new maps never saw."""
    collection = open_database(None, "keyed_refused_test").collection("documents")._embedded
    reference = mongomock.MongoClient(tz_aware=True)["keyed_refused_test"]["documents"]
    for each in (collection, reference):
        each.insert_many([{"_id": n, "account": "a", "k": k, "n": k} for n, k in enumerate("xy")])
        each.create_indexes(UNIQUE_INDEXES)
        with pytest.raises(DuplicateKeyError):
            each.update_one({"_id": 1}, {"$set": {"k": "x"}})
    query = Query({"account": "a", "k": "y"}, None, [], 0, 0)

    found = run(collection, query)

    assert keyed_documents(collection._store, precheck(query.filter)) is not None  # not a scan
    assert found == [{"_id": 1, "account": "a", "k": "y", "n": "y"}]
    assert as_sent(found) == as_sent(run(reference, query))


def test_key_replaced_by_an_equal_text_of_another_type_is_still_found() -> None:
    """mongomock takes "x" -> Text("x") for no change and checks no key: the key maps must
    not answer for that key any more, and the next clash is still refused."""
    collection = open_database(None, "keyed_unseen_test").collection("documents")._embedded
    reference = mongomock.MongoClient(tz_aware=True)["keyed_unseen_test"]["documents"]
    outcomes = []
    for each in (collection, reference):
        each.create_indexes(UNIQUE_INDEXES)
        each.insert_one({"_id": 0, "account": "a", "k": "x", "n": "x"})
        each.update_one({"_id": 0}, {"$set": {"k": Text("x")}})
        outcomes.append(written(each, ("insert_one", {"account": "a", "k": "x", "n": "y"}), 1))
    query = Query({"account": "a", "k": "x"}, None, [], 0, 0)

    found = run(collection, query)

    assert outcomes == ["DuplicateKeyError", "DuplicateKeyError"]
    assert found == [{"_id": 0, "account": "a", "k": "x", "n": "x"}]
    assert as_sent(found) == as_sent(run(reference, query))


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every document read out of a mongomock store from now on, whole or by `_id`."""
    reads: list[Any] = []
    documents = CollectionStore.documents
    get = CollectionStore.__getitem__

    def counted_documents(self: CollectionStore) -> Iterator[Any]:
        for document in documents.fget(self):  # type: ignore[attr-defined]
            reads.append(document)
            yield document

    def counted_get(self: CollectionStore, key: Any) -> Any:
        document = get(self, key)
        reads.append(document)
        return document

    monkeypatch.setattr(CollectionStore, "documents", property(counted_documents))
    monkeypatch.setattr(CollectionStore, "__getitem__", counted_get)
    return reads


async def test_lookup_by_unique_key_reads_only_the_holder(
    monkeypatch: pytest.MonkeyPatch, demo_documents: list[dict[str, Any]]
) -> None:
    database = open_database(None, "keyed_reads_test")
    await ensure_indexes(database)
    await database.collection(INVOICES).insert_many(demo_documents)
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    wanted = next(d for d in demo_documents if d["account"] == "demo")
    reads = counting_reads(monkeypatch)

    by_id = await invoices.get_many([wanted["invoiceId"]], ["invoiceNumber", "invoiceTotal"])
    by_number = await invoices.get_by_number(wanted["invoiceNumber"], ["invoiceId"])
    missing = await invoices.get_many(["no-such-invoice"])

    assert [row and row["invoiceNumber"] for row in by_id] == [wanted["invoiceNumber"]]
    assert by_number
    assert by_number["invoiceId"] == wanted["invoiceId"]
    assert missing == [None]
    assert len(reads) == 2  # the holder, once per lookup; none for a missing key
    reads.clear()
    # Without a unique key pinned, every stored document is read.
    assert await invoices.count({"invoiceNumber": {"$gte": wanted["invoiceNumber"]}})
    assert len(reads) == len(demo_documents)
    await database.drop()
