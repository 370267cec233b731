"""Bytes fetched from the database, visible: a field of the request log and a histogram.

On a real server the count is exact (raw BSON of each returned document); on the embedded
store it is an estimate from a sample (store/client.py, ReadTally).
"""

import logging
import uuid
from datetime import UTC, datetime

import bson
import pytest

from bench.selections import full_selection
from store.client import ESTIMATE_SAMPLE, open_database, tallied_reads
from tests.conftest import ServeFactory
from tests.test_observability import request_lines, sample, scrape, seeded

NARROW = "query Lookup($id: ID!) { invoice(invoiceId: $id) { invoiceNumber } }"
FULL = "query Lookup($id: ID!) { invoice(invoiceId: $id) {\n" + full_selection() + "} }"
PAGE = "query Page { invoices(first: 20) { edges { node { invoiceNumber } } } }"


async def test_request_log_and_histogram_report_the_bytes_a_request_fetched(
    serve: ServeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, invoice_id = await seeded(serve)
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")

    for query in (NARROW, FULL):
        await client.data(query, {"id": invoice_id})
    await client.data(PAGE)

    narrow, full, page = request_lines(caplog)
    assert (narrow["db_documents"], full["db_documents"]) == (1, 1)
    # The projection is pushed down: one field is a fraction of the whole invoice.
    assert 0 < narrow["db_bytes"] * 5 < full["db_bytes"]
    assert page["db_documents"] == 5  # every invoice of the account, each with one field
    metrics = await scrape(client)
    assert sample(metrics, "invoicegraph_db_response_bytes_count", operation="Lookup") == 2
    assert sample(metrics, "invoicegraph_db_response_bytes_sum", operation="Lookup") == (
        narrow["db_bytes"] + full["db_bytes"]
    )
    assert (
        sample(metrics, "invoicegraph_db_response_bytes_sum", operation="Page")
        == (page["db_bytes"])
    )


async def test_embedded_estimate_is_exact_for_a_few_documents_and_scaled_past_them() -> None:
    database = open_database(None)
    try:
        collection = database.collection("things")
        documents = [{"_id": n, "text": "x" * (10 + n)} for n in range(4 * ESTIMATE_SAMPLE)]
        for document in documents:
            await collection.insert_one(document)
        with tallied_reads() as few:
            await collection.find({"_id": {"$lt": ESTIMATE_SAMPLE}})
        with tallied_reads() as many:
            await collection.find({})
    finally:
        await database.close()

    sizes = [len(bson.encode(document)) for document in documents]
    assert (few.documents, few.bytes) == (ESTIMATE_SAMPLE, sum(sizes[:ESTIMATE_SAMPLE]))
    assert many.documents == len(documents)
    assert abs(many.bytes - sum(sizes)) <= 0.1 * sum(sizes)


@pytest.mark.mongodb
async def test_real_server_counts_the_raw_bson_of_every_document(mongodb_uri: str) -> None:
    written = [
        {"_id": n, "name": f"invoice-{n}", "at": datetime(2024, 1, n + 1, tzinfo=UTC)}
        for n in range(3)
    ]
    database = open_database(mongodb_uri, f"invoicegraph_test_bytes_{uuid.uuid4().hex[:8]}")
    try:
        collection = database.collection("things")
        await collection.insert_many(written)
        with tallied_reads() as reads:
            found = await collection.find({}, sort=[("_id", 1)])
            one = await collection.find_one({"_id": 1}, {"name": 1})
    finally:
        await database.drop()
        await database.close()

    assert found == written  # decoded as the driver decodes: timezone-aware datetimes
    assert one == {"_id": 1, "name": "invoice-1"}
    assert reads.documents == 4
    assert reads.bytes == sum(len(bson.encode(document)) for document in [*written, one])
