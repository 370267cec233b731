"""On the embedded store, a read by unique key of at most MAX_KEYS_WITHOUT_TURN keys runs at
once; every other command, and a read by key that turns out to need a scan, waits for its
turn of the loop (store/client.py, store/embedded/turns.py). Either way it is one command
with the same answer."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.client import MAX_KEYS_WITHOUT_TURN, Collection, Database, open_database
from store.collection_names import INVOICES
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope, ScopedInvoices

COUNT = 2 * MAX_KEYS_WITHOUT_TURN


def stored(n: int, account: str = "acme") -> dict[str, Any]:
    status = "DELETED" if n % 7 == 0 else "ISSUED"
    return {
        "account": account,
        "invoiceId": f"i-{n}",
        "invoiceNumber": f"N-{n}",
        "invoiceStatus": status,
        "invoiceTotal": f"{n}.00",
        "source": {"system": "invoicegraph", "id": f"i-{n}"},
    }


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    db = open_database(None, "invoicegraph_test")
    await ensure_indexes(db)
    invoices = db.collection(INVOICES)
    await invoices.insert_many([stored(n) for n in range(COUNT)])
    await invoices.insert_many([stored(n, "other") for n in range(3)])
    yield db
    await db.drop()
    await db.close()


async def finishes_while_the_turn_is_taken(database: Database, read: Awaitable[Any]) -> Any:
    """The read's answer, given while the embedded store's turn is held elsewhere; None
    when it waited for the turn (it is then answered once the turn is given back)."""
    turns = database._turns
    assert turns is not None
    await turns.acquire()
    task = asyncio.ensure_future(read)
    for _ in range(5):
        await asyncio.sleep(0)
    done = task.done()
    turns.release()
    answer = await asyncio.wait_for(task, 5)
    return answer if done else None


async def test_reads_by_key_take_no_turn_and_scans_wait(database: Database) -> None:
    acme = InvoiceStore(database).scoped(Scope("acme"))
    before = database.commands.total

    rows = await finishes_while_the_turn_is_taken(
        database, acme.get_many(["i-1", "i-404"], ["invoiceNumber"])
    )
    assert [row and row["invoiceNumber"] for row in rows] == ["N-1", None]  # i-404 is absent
    by_number = await finishes_while_the_turn_is_taken(
        database, acme.get_by_number("N-2", ["invoiceTotal"])
    )
    assert by_number is not None
    assert by_number["invoiceTotal"] == "2.00"
    document = await finishes_while_the_turn_is_taken(database, acme.get_document("i-3"))
    assert document is not None
    assert document["invoiceNumber"] == "N-3"
    assert database.commands.total - before == 3

    # Several documents found by the keys of an index other than `_id` wait: they are
    # ordered by a pass over the store. So does a scan: a count, a page.
    two = acme.get_many(["i-1", "i-7"], ["invoiceNumber"])  # i-7 is deleted
    assert await finishes_while_the_turn_is_taken(database, two) is None
    assert await finishes_while_the_turn_is_taken(database, acme.count()) is None
    assert await acme.count() == sum(1 for n in range(COUNT) if n % 7)
    assert await finishes_while_the_turn_is_taken(database, page(acme)) is None


async def page(invoices: ScopedInvoices) -> list[Any]:
    return await invoices.find_page(None, [], None, 5, fields=["invoiceNumber"])


async def test_more_keys_than_allowed_wait_for_the_turn(database: Database) -> None:
    acme = InvoiceStore(database).scoped(Scope("acme"))
    absent = [f"x-{n}" for n in range(MAX_KEYS_WITHOUT_TURN)]
    allowed = ["i-1", *absent[1:]]
    found = await finishes_while_the_turn_is_taken(database, acme.get_many(allowed, ["invoiceId"]))
    assert found is not None
    assert [row and row["invoiceId"] for row in found] == [
        "i-1",
        *[None] * (MAX_KEYS_WITHOUT_TURN - 1),
    ]

    too_many = ["i-1", *absent]
    before = database.commands.total
    assert await finishes_while_the_turn_is_taken(database, acme.get_many(too_many)) is None
    rows = [row and row["invoiceId"] for row in await acme.get_many(too_many, ["invoiceId"])]
    assert rows == ["i-1", *[None] * MAX_KEYS_WITHOUT_TURN]
    assert database.commands.total - before == 2

    # By `_id` (find_by_keys reads its holders so), many documents at once.
    collection = database.collection(INVOICES)
    by_id = [document["_id"] for document in await collection.find({}, {"_id": 1})]
    many = {"_id": {"$in": by_id[: MAX_KEYS_WITHOUT_TURN + 1]}}
    assert (
        await finishes_while_the_turn_is_taken(database, collection.find(many, by_key=True)) is None
    )
    few = {"_id": {"$in": by_id[:MAX_KEYS_WITHOUT_TURN]}}
    answer = await finishes_while_the_turn_is_taken(database, collection.find(few, by_key=True))
    assert answer is not None
    assert len(answer) == MAX_KEYS_WITHOUT_TURN


conditions = st.sampled_from(
    [
        {},
        {"invoiceStatus": {"$ne": "DELETED"}},
        {"invoiceTotal": {"$regex": "^1"}},  # decided by mongomock's matcher: a scan
        {"$or": [{"invoiceStatus": "ISSUED"}, {"invoiceTotal": "7.00"}]},
    ]
)
numbers = st.lists(st.integers(min_value=0, max_value=COUNT + 5), max_size=8)


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(
    account=st.sampled_from(["acme", "other", "nobody"]),
    key=st.sampled_from(["invoiceId", "invoiceNumber", "_id"]),
    numbers=numbers,
    extra=conditions,
)
def test_a_read_by_key_answers_and_counts_as_any_read(
    account: str, key: str, numbers: list[int], extra: dict[str, Any]
) -> None:
    async def compare() -> None:
        db = open_database(None, "invoicegraph_test")
        await ensure_indexes(db)
        collection = db.collection(INVOICES)
        await collection.insert_many([stored(n) for n in range(COUNT)])
        await collection.insert_many([stored(n, "other") for n in range(3)])
        try:
            await check(db, collection)
        finally:
            await db.drop()
            await db.close()

    async def check(db: Database, collection: Collection) -> None:
        if key == "_id":
            everything = await collection.find({}, {"_id": 1})
            ids = [everything[n % len(everything)]["_id"] for n in numbers]
            pinned: dict[str, Any] = {"_id": {"$in": ids}}
        else:
            prefix = "i-" if key == "invoiceId" else "N-"
            pinned = {key: {"$in": [f"{prefix}{n}" for n in numbers]}}
        owned = {"account": account, **pinned}
        where: dict[str, Any] = {"$and": [owned, extra]} if extra else owned
        before = db.commands.total
        plain = await collection.find(where, {"invoiceNumber": 1, "_id": 0})
        keyed = await collection.find(where, {"invoiceNumber": 1, "_id": 0}, by_key=True)
        one = await collection.find_one(where, {"invoiceNumber": 1, "_id": 0}, by_key=True)
        assert keyed == plain
        assert one == (plain[0] if plain else None)
        assert db.commands.total - before == 3

    asyncio.run(compare())
