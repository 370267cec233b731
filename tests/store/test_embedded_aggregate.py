"""The embedded store's aggregate: filters before it copies, and answers as mongomock does.

mongomock's own `Collection.aggregate` (the class method) copies the whole collection and
then runs every stage; store/embedded/collection.py installs one that filters first. Both
run here on the same demo data and must give the same rows, in the same order, key for key.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import orjson
import pytest
import pytest_asyncio
from mongomock.collection import Collection as MockCollection

from seeds.demo import generate_demo_invoices
from store.client import Collection, Database, open_database
from store.collection_names import INVOICES
from store.domain.enums import InvoiceStatus, InvoiceType
from store.indexes import ensure_indexes
from store.invoice_filters import Condition, FilterField, Operator, invoice_criteria
from store.invoice_summary import summarize_invoices
from store.invoices import InvoiceStore, Scope, ScopedInvoices, to_document

ACCOUNTS = ("demo", "acme")
SUMMARY_FILTERS: dict[str, list[Condition]] = {
    "everything": [],
    "one type": [Condition(FilterField.INVOICE_TYPE, Operator.EQ, InvoiceType.SHIPPING)],
    "statuses and a total": [
        Condition(
            FilterField.INVOICE_STATUS, Operator.IN, [InvoiceStatus.SETTLED, InvoiceStatus.ISSUED]
        ),
        Condition(FilterField.INVOICE_TOTAL, Operator.GTE, "100.00"),
    ],
    "through arrays": [Condition(FilterField.SKU, Operator.NE, "no-such-sku")],
    "deleted ones": [Condition(FilterField.INVOICE_STATUS, Operator.EQ, InvoiceStatus.DELETED)],
}
SUMMARY_FIELDS = {"_id", "invoiceStatus", "invoiceType", "currency", "_units"}
"""What the summary's `$group` reads (store/invoice_summary.py), and `_id`."""
OTHER_PIPELINES: dict[str, list[dict[str, Any]]] = {
    "plain inclusion, dotted": [
        {"$match": {"account": "demo"}},
        {"$project": {"invoiceNumber": 1, "orders.items.sku": 1, "_units.invoiceTotal": True}},
    ],
    "exclusion without _id": [
        {"$match": {"account": "acme", "invoiceType": "RETURN"}},
        {"$project": {"orders": 0, "auditLogs": 0, "_id": 0}},
    ],
    "computed projection stays with mongomock": [
        {"$match": {"account": "demo"}},
        {"$project": {"number": "$invoiceNumber", "total": {"$add": ["$_units.invoiceTotal", 1]}}},
    ],
    "sort, limit, unwind after two matches": [
        {"$match": {"account": "demo"}},
        {"$match": {"invoiceStatus": {"$ne": "DELETED"}}},
        {"$sort": {"_units.invoiceTotal": -1, "invoiceId": 1}},
        {"$limit": 15},
        {"$unwind": "$orders"},
    ],
    "group over whole documents": [
        {"$match": {"account": "acme"}},
        {"$group": {"_id": "$currency", "first": {"$first": "$$ROOT"}}},
    ],
    "no match first": [{"$group": {"_id": "$account", "count": {"$sum": 1}}}],
}


@pytest.fixture(scope="module")
def demo_documents() -> list[dict[str, Any]]:
    """The demo data of two accounts, 600 invoices each (generated once: it takes a second)."""
    return [to_document(invoice) for invoice in generate_demo_invoices(ACCOUNTS)]


# Every test here only reads: they share one store, seeded once, on the module's loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo_store(demo_documents: list[dict[str, Any]]) -> AsyncIterator[Database]:
    """The embedded store holding the demo documents (read-only for every test)."""
    db = open_database(None, "aggregate_test")
    await ensure_indexes(db)
    await db.collection(INVOICES).insert_many(demo_documents)
    yield db
    await db.drop()
    await db.close()


def scoped(database: Database, conditions: Sequence[Condition]) -> ScopedInvoices:
    """The demo account's invoices as the invoiceSummary resolver reads them."""
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    if any(condition.value == InvoiceStatus.DELETED for condition in conditions):
        return invoices.including_deleted()
    return invoices


def mongomock_collection(database: Database) -> Any:
    return database.collection(INVOICES)._embedded


def as_sent(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Rows as bytes that keep key order: equal bytes mean equal rows, key for key."""
    return orjson.dumps(list(rows), default=str)


def recording_pipelines(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """Every pipeline the store sends from now on."""
    sent: list[list[Any]] = []
    aggregate = Collection.aggregate

    async def recorded(self: Collection, pipeline: Sequence[Mapping[str, Any]]) -> Any:
        sent.append(list(pipeline))
        return await aggregate(self, pipeline)

    monkeypatch.setattr(Collection, "aggregate", recorded)
    return sent


def counting_copies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every document mongomock copies out of its store from now on (find and aggregate)."""
    copies: list[dict[str, Any]] = []
    copy: Callable[..., dict[str, Any]] = MockCollection._copy_only_fields

    def counted(self: Any, document: Any, fields: Any, container: Any) -> dict[str, Any]:
        copied = copy(self, document, fields, container)
        copies.append(copied)
        return copied

    monkeypatch.setattr(MockCollection, "_copy_only_fields", counted)
    return copies


@pytest.mark.parametrize("conditions", SUMMARY_FILTERS.values(), ids=SUMMARY_FILTERS.keys())
async def test_summary_pipeline_answers_as_copying_everything_first(
    demo_store: Database, monkeypatch: pytest.MonkeyPatch, conditions: list[Condition]
) -> None:
    sent = recording_pipelines(monkeypatch)
    summary = await summarize_invoices(scoped(demo_store, conditions), invoice_criteria(conditions))
    assert summary.count > 0
    [pipeline] = sent
    collection = mongomock_collection(demo_store)
    copied_first = list(MockCollection.aggregate(collection, pipeline))
    assert as_sent(collection.aggregate(pipeline)) == as_sent(copied_first)


@pytest.mark.parametrize("pipeline", OTHER_PIPELINES.values(), ids=OTHER_PIPELINES.keys())
async def test_other_pipelines_answer_as_copying_everything_first(
    demo_store: Database, pipeline: list[dict[str, Any]]
) -> None:
    collection = mongomock_collection(demo_store)
    copied_first = list(MockCollection.aggregate(collection, pipeline))
    assert copied_first
    assert as_sent(collection.aggregate(pipeline)) == as_sent(copied_first)


async def test_pipeline_pinning_ids_answers_in_the_store_order(demo_store: Database) -> None:
    collection = mongomock_collection(demo_store)
    ids = [document["_id"] for document in collection.find({"account": "acme"}, {"_id": 1})]
    pipeline = [
        {"$match": {"_id": {"$in": ids[:20][::-1]}}},
        {"$group": {"_id": None, "numbers": {"$push": "$invoiceNumber"}}},
    ]
    copied_first = list(MockCollection.aggregate(collection, pipeline))
    assert len(copied_first[0]["numbers"]) == 20
    assert as_sent(collection.aggregate(pipeline)) == as_sent(copied_first)


async def test_summary_copies_only_matching_invoices_and_the_fields_it_adds(
    demo_store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    conditions = SUMMARY_FILTERS["one type"]
    copies = counting_copies(monkeypatch)
    summary = await summarize_invoices(scoped(demo_store, conditions), invoice_criteria(conditions))
    # 1,200 stored; the demo account's non-deleted SHIPPING invoices are all that is copied.
    assert 0 < summary.count < 600
    assert len(copies) == summary.count
    assert {field for copy in copies for field in copy} == SUMMARY_FIELDS


async def test_projection_copies_only_projected_fields(
    demo_store: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = OTHER_PIPELINES["plain inclusion, dotted"]
    copies = counting_copies(monkeypatch)
    rows = list(mongomock_collection(demo_store).aggregate(pipeline))
    assert len(copies) == len(rows) == 600
    assert {field for copy in copies for field in copy} == {
        "_id",
        "invoiceNumber",
        "orders",
        "_units",
    }
