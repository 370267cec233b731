"""Where mongoeco's wire server (the `mongodb` tests' stand-in) differs from MongoDB.

Each test states MongoDB's documented behaviour with plain PyMongo and passes against a real
MongoDB (MONGODB_URI); against the stand-in it is a strict xfail naming the gap, so a
mongoeco release that closes one makes the suite say so. docs/drivers.md lists them. The
product is never bent to these gaps: tests on the stand-in keep their data small instead.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pymongo
import pytest
from pymongo import AsyncMongoClient, IndexModel
from pymongo.errors import ConnectionFailure, PyMongoError

from tests.wire_server import uses_wire_server

pytestmark = pytest.mark.mongodb


def on_the_stand_in(gap: str, raises: type[BaseException]) -> pytest.MarkDecorator:
    return pytest.mark.xfail(
        uses_wire_server(), reason=f"mongoeco's wire server: {gap}", raises=raises, strict=True
    )


@pytest.fixture
async def client(mongodb_uri: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    # A heartbeat that expects an answer within half a second, as any healthy server gives.
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_uri, connectTimeoutMS=500, heartbeatFrequencyMS=500
    )
    yield client
    await client.close()


@pytest.fixture
async def database(client: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[Any]:
    database = client[f"invoicegraph_gap_{uuid.uuid4().hex[:8]}"]
    yield database
    await client.drop_database(database.name)


def documents(count: int) -> list[dict[str, Any]]:
    return [{"account": "a", "invoiceId": f"{n:06}", "n": n} for n in range(count)]


COMPOUND_UNIQUE = IndexModel([("account", 1), ("invoiceId", 1)], unique=True)


@on_the_stand_in(
    "a unique index on several fields is checked by comparing the new document with every "
    "stored one, on the server's only event loop; the heartbeat goes unanswered for seconds, "
    "and PyMongo interrupts the insert's connection (SDAM: a heartbeat timeout clears the "
    "pool, interrupting connections in use)",
    ConnectionFailure,
)
async def test_inserts_under_a_compound_unique_index_leave_the_server_answering(
    database: Any,
) -> None:
    await database.invoices.create_indexes([COMPOUND_UNIQUE])
    result = await database.invoices.insert_many(documents(300), ordered=False)
    assert len(result.inserted_ids) == 300


@on_the_stand_in(
    "building a unique index on several fields compares every pair of stored documents "
    "(quadratic): 600 documents take seconds, past the operation's deadline",
    PyMongoError,
)
async def test_a_compound_unique_index_over_stored_documents_builds_within_a_second(
    database: Any,
) -> None:
    await database.invoices.insert_many(documents(600))
    with pymongo.timeout(1.0):  # MongoDB needs milliseconds
        await database.invoices.create_indexes([COMPOUND_UNIQUE])
    assert "account_1_invoiceId_1" in await database.invoices.index_information()


@on_the_stand_in(
    "explain() answers in its own format, without MongoDB's queryPlanner.winningPlan",
    KeyError,
)
async def test_explain_names_the_winning_plan(database: Any) -> None:
    await database.invoices.create_indexes([COMPOUND_UNIQUE])
    await database.invoices.insert_many(documents(3))
    explanation = await database.invoices.find({"account": "a"}).explain()
    assert explanation["queryPlanner"]["winningPlan"]


SUM_OVERFLOW_GAP = (
    "a $sum of 64-bit integers that overflows fails the command ('integer exceeds BSON int64 "
    "range') instead of answering a double, as MongoDB does"
)


@on_the_stand_in(SUM_OVERFLOW_GAP, PyMongoError)
async def test_a_long_sum_that_overflows_answers_a_double(database: Any) -> None:
    await database.invoices.insert_many([{"g": 1, "units": 2**63 - 1} for _ in range(2)])
    pipeline = [{"$group": {"_id": "$g", "sum": {"$sum": "$units"}}}]
    [row] = await (await database.invoices.aggregate(pipeline)).to_list(None)
    assert isinstance(row["sum"], float)
