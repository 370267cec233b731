"""Property: every value of an Akinon record, unseen fields included, comes back from the store.

The records come from the mapper's own strategy (tests/seeds/test_akinon_mapping.py):
documented fields with every variant and null, plus random extra fields at every level.
Each is ingested, read back, and recovered: on the embedded store, and on a MongoDB-speaking
server (fewer examples: each is a round trip through PyMongo and BSON).
"""

import asyncio
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from seeds.akinon import akinon_invoice_id, recover_akinon_record
from seeds.ingest import INGEST_ACTOR, RecordStatus, ingest_batch
from seeds.sources import SourceRecord
from store.client import open_database
from store.domain.documents import json_numbers
from store.indexes import ensure_indexes
from store.invoice_writer import InvoiceWriter
from store.invoices import InvoiceStore, Scope
from tests.seeds.test_akinon_mapping import RECORDS

ACCOUNT = "acme"


def has_nul_key(value: Any) -> bool:
    """MongoDB cannot hold a key with a NUL byte, so such a record must be rejected instead."""
    if isinstance(value, dict):
        return any("\x00" in key or has_nul_key(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul_key(item) for item in value)
    return False


async def ingest_and_read_back(
    record: dict[str, Any], uri: str | None = None
) -> tuple[RecordStatus, Any]:
    database = open_database(uri, f"invoicegraph_test_lossless_{uuid.uuid4().hex[:8]}")
    await ensure_indexes(database)
    invoices = InvoiceStore(database).scoped(Scope(ACCOUNT))
    try:
        [result] = await ingest_batch(
            [SourceRecord(1, record)], InvoiceWriter(invoices, INGEST_ACTOR)
        )
        # Deleted invoices (a cancelled status) are hidden from reads unless asked for.
        stored = await invoices.including_deleted().get(
            akinon_invoice_id(ACCOUNT, str(record["id"]))
        )
        return result.status, stored
    finally:
        await database.drop()
        await database.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_ingested_akinon_record_is_recoverable_from_the_store(record: dict[str, Any]) -> None:
    check_recovered(record, *asyncio.run(ingest_and_read_back(record)))


@pytest.mark.mongodb
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(RECORDS)
def test_ingested_akinon_record_is_recoverable_from_mongodb(
    mongodb_uri: str, record: dict[str, Any]
) -> None:
    check_recovered(record, *asyncio.run(ingest_and_read_back(record, mongodb_uri)))


def check_recovered(record: dict[str, Any], status: RecordStatus, stored: Any) -> None:
    if has_nul_key(record):
        assert status is RecordStatus.REJECTED
        assert stored is None
        return
    assert status is RecordStatus.STORED
    assert stored is not None
    assert recover_akinon_record(stored) == json_numbers(record)
