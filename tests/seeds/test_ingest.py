"""Ingest into the store: idempotent by source key, stale updates ignored, nothing lost.

Runs on the embedded store and on a MongoDB-speaking server (tests/wire_server.py).
"""

import asyncio
import copy
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seeds.akinon import akinon_invoice_id
from seeds.ingest import (
    INGEST_ACTOR,
    IngestReport,
    RecordStatus,
    Rejection,
    ingest_batch,
    ingest_file,
    ingest_records,
)
from seeds.sources import SourceRecord, parse_records, read_records
from store.client import Collection, Database, open_database
from store.collection_names import INVOICES
from store.indexes import ensure_indexes
from store.invoice_writer import InvoiceWriter
from store.invoices import InvoiceStore, Scope, ScopedInvoices

EXAMPLE_PAGE = Path(__file__).parents[2] / "seeds" / "data" / "akinon-example-page.json"
FABRIC_EXAMPLE = Path(__file__).parents[2] / "seeds" / "data" / "fabric-example.json"
BASE = json.loads(EXAMPLE_PAGE.read_text(), parse_float=Decimal)["results"][0]
ACCOUNT = "acme"


@pytest.fixture
def invoices(database: Database) -> ScopedInvoices:
    return InvoiceStore(database).scoped(Scope(ACCOUNT))


def akinon(record_id: int, **overrides: Any) -> dict[str, Any]:
    """Akinon's example record with another id and number (and any other changes)."""
    record = copy.deepcopy(BASE)
    record.update(id=record_id, number=f"INV-{record_id}")
    record.update(overrides)
    return record


def sources(*records: Any) -> list[SourceRecord]:
    return [SourceRecord(position, record) for position, record in enumerate(records, 1)]


def ingesting(invoices: ScopedInvoices) -> InvoiceWriter:
    """The writer ingest_records uses (named actor `ingest`), for one ingest_batch call."""
    return InvoiceWriter(invoices, INGEST_ACTOR)


def statuses(results: Sequence[Any]) -> list[str]:
    return [result.status.value for result in results]


def assert_balanced(report: IngestReport) -> None:
    assert report.read == report.accounted


# Idempotency


async def test_ingest_same_records_again_changes_nothing(
    database: Database, invoices: ScopedInvoices
) -> None:
    records = [akinon(i) for i in range(1, 4)]
    first = await ingest_records(sources(*records), invoices)
    stored = database.collection(INVOICES)
    before = await stored.find(invoices.where(), {"_id": 0}, sort=[("invoiceId", 1)])

    again = await ingest_records(sources(*copy.deepcopy(records)), invoices)

    assert (first.stored, again.unchanged, again.stored, again.updated) == (3, 3, 0, 0)
    assert_balanced(again)
    after = await stored.find(invoices.where(), {"_id": 0}, sort=[("invoiceId", 1)])
    assert after == before
    assert all(document["version"] == 1 and "auditLogs" not in document for document in after)


async def test_ingest_unchanged_batch_reads_once_and_writes_nothing(
    database: Database, invoices: ScopedInvoices
) -> None:
    # Small counts: mongoeco's stand-in checks compound unique indexes in quadratic time.
    records = sources(*(akinon(i) for i in range(1, 121)))
    await ingest_records(records, invoices)
    commands = dict(database.commands.by_name)

    report = await ingest_records(records, invoices)

    assert report.unchanged == 120
    spent = {
        name: count - commands.get(name, 0)
        for name, count in database.commands.by_name.items()
        if count != commands.get(name, 0)
    }
    assert spent == {"find": 1}


async def test_ingest_batches_write_in_two_commands_each(
    database: Database, invoices: ScopedInvoices
) -> None:
    records = sources(*(akinon(i) for i in range(1, 151)))
    before = dict(database.commands.by_name)

    report = await ingest_records(records, invoices, batch_size=60)

    assert report.stored == 150
    spent = {
        name: count - before.get(name, 0)
        for name, count in database.commands.by_name.items()
        if count != before.get(name, 0)
    }
    assert spent == {"find": 3, "bulkWrite": 3}
    assert await invoices.count() == 150


async def test_ingest_concurrent_same_records_yield_one_document_each(
    invoices: ScopedInvoices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The embedded store answers without yielding to the event loop: make every write
    # yield first, so that concurrent ingests read before any of them writes.
    real_bulk_write = Collection.bulk_write

    async def yielding_bulk_write(self: Collection, operations: Sequence[Any]) -> Any:
        await asyncio.sleep(0)
        return await real_bulk_write(self, operations)

    monkeypatch.setattr(Collection, "bulk_write", yielding_bulk_write)
    records = [akinon(i) for i in range(1, 41)]
    runs = [sources(*copy.deepcopy(records)) for _ in range(3)]

    reports = await asyncio.gather(*(ingest_records(run, invoices, batch_size=7) for run in runs))

    assert sum(report.stored for report in reports) == 40
    assert sum(report.unchanged for report in reports) == 80
    assert not any(report.rejected for report in reports)
    assert await invoices.count() == 40


async def test_ingest_same_record_twice_in_one_batch_stores_it_once(
    invoices: ScopedInvoices,
) -> None:
    newer = akinon(5, modified_date="2020-01-01T00:00:00Z", status="approved")

    results = await ingest_batch(
        sources(akinon(5), akinon(5), newer, akinon(5)), ingesting(invoices)
    )

    assert statuses(results) == ["stored", "unchanged", "updated", "stale"]
    assert [result.version for result in results] == [1, 1, 2, 2]
    stored = await invoices.get(akinon_invoice_id(ACCOUNT, "5"))
    assert stored is not None
    assert stored.version == 2
    assert stored.invoiceStatus is not None
    assert stored.invoiceStatus.value == "ISSUED"
    assert await invoices.count() == 1


async def test_ingest_fabric_file_twice_is_idempotent(
    tmp_path: Path, invoices: ScopedInvoices
) -> None:
    path = tmp_path / "fabric.jsonl"
    path.write_text(
        '{"invoiceNumber": "F-1", "invoiceTotal": "10.00", "updatedAt": "2024-01-01T00:00:00Z"}\n'
        f"{FABRIC_EXAMPLE.read_text().replace(chr(10), ' ')}\n"
    )

    first = await ingest_file(path, invoices)
    again = await ingest_file(path, invoices)

    assert (first.stored, again.unchanged) == (2, 2)
    assert await invoices.count() == 2


# Updates and stale records


async def test_ingest_newer_record_updates_and_audits_the_changes(
    invoices: ScopedInvoices,
) -> None:
    await ingest_records(sources(akinon(9)), invoices)
    invoice_id = akinon_invoice_id(ACCOUNT, "9")
    newer = akinon(9, status="approved", modified_date="2020-02-02T10:00:00+03:00")
    newer["invoiceitem_set"][0]["total_amount"] = "400.00"
    newer["invoiceitem_set"][0]["tax_amount"] = "29.63"

    [result] = await ingest_batch(sources(newer), InvoiceWriter(invoices, "nightly-sync"))

    assert (result.status, result.invoice_id, result.version) == (
        RecordStatus.UPDATED,
        invoice_id,
        2,
    )
    stored = await invoices.get(invoice_id)
    assert stored is not None
    assert stored.version == 2
    assert stored.invoiceTotal == Decimal("400.00")
    assert stored.updatedAt == "2020-02-02T07:00:00.000000000Z"
    [audit] = stored.auditLogs or []
    assert audit.auditType == "SOURCE_UPDATE"
    assert audit.employeeId == "nightly-sync"
    assert audit.source == "akinon"
    changed = {field.fieldName: field.fieldOriginalValue for field in audit.updatedFields or []}
    assert changed["invoiceStatus"] == "DRAFT"
    assert changed["invoiceTotal"] == "399.00"
    assert changed["orders.0.items.0.invoiceLineTotal"] == "399.00"
    assert changed["attributes.akinon.status"] == "waiting"
    assert changed["source.modifiedAt"] == "2019-03-20T13:20:08.741992000Z"
    assert "version" not in changed
    assert "invoiceNumber" not in changed


async def test_ingest_update_keeps_audit_logs_lifecycle_and_api_attributes(
    database: Database, invoices: ScopedInvoices
) -> None:
    await ingest_records(sources(akinon(3)), invoices)
    invoice_id = akinon_invoice_id(ACCOUNT, "3")
    earlier_audit = {"auditId": "a" * 24, "auditType": "POST", "source": "API"}
    # What invoicePost and invoiceAttributesUpdate leave on an invoice.
    await database.collection("invoices").update_one(
        {"account": ACCOUNT, "invoiceId": invoice_id},
        {
            "$set": {
                "version": 3,
                "statusCode": "POSTED",
                "postedAt": "2024-05-01T00:00:00.000000000Z",
                "attributes.erpRef": "E-77",
                "auditLogs": [earlier_audit],
            }
        },
    )
    newer = akinon(3, modified_date="2021-01-01T00:00:00Z")

    [result] = await ingest_batch(sources(newer), ingesting(invoices))

    assert (result.status, result.version) == (RecordStatus.UPDATED, 4)
    stored = await invoices.get(invoice_id)
    assert stored is not None
    assert stored.version == 4
    assert stored.statusCode is not None
    assert stored.statusCode.value == "POSTED"
    assert stored.postedAt == "2024-05-01T00:00:00.000000000Z"
    assert stored.attributes is not None
    assert stored.attributes["erpRef"] == "E-77"
    assert stored.attributes["akinon"]["modified_date"] == "2021-01-01T00:00:00Z"
    assert [audit.auditType for audit in stored.auditLogs or []] == ["POST", "SOURCE_UPDATE"]


async def test_ingest_update_drops_mapper_attributes_the_new_record_lacks(
    invoices: ScopedInvoices,
) -> None:
    await ingest_records(sources(akinon(12, invoice_type="refund", related_invoice=11)), invoices)
    newer = akinon(12, invoice_type="refund", modified_date="2021-01-01T00:00:00Z")

    [result] = await ingest_batch(sources(newer), ingesting(invoices))

    assert result.status is RecordStatus.UPDATED
    stored = await invoices.get(akinon_invoice_id(ACCOUNT, "12"))
    assert stored is not None
    assert stored.attributes is not None
    assert "akinonRelatedInvoice" not in stored.attributes
    assert "related_invoice" not in stored.attributes["akinon"]


async def test_ingest_older_record_is_stale_and_ignored(invoices: ScopedInvoices) -> None:
    await ingest_records(sources(akinon(4, modified_date="2022-01-01T00:00:00Z")), invoices)
    older = akinon(4, modified_date="2021-12-31T23:59:59Z", status="approved")

    report = await ingest_records(sources(older), invoices)

    assert (report.stale, report.updated, report.read) == (1, 0, 1)
    stored = await invoices.get(akinon_invoice_id(ACCOUNT, "4"))
    assert stored is not None
    assert (stored.version, stored.invoiceStatus) == (1, stored.invoiceStatus)
    assert stored.invoiceStatus is not None
    assert stored.invoiceStatus.value == "DRAFT"
    assert stored.auditLogs is None


async def test_ingest_update_that_loses_a_race_is_compared_again(
    database: Database, invoices: ScopedInvoices, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ingest_records(sources(akinon(6)), invoices)
    invoice_id = akinon_invoice_id(ACCOUNT, "6")
    real_bulk_write = Collection.bulk_write

    async def bulk_write_after_a_rival(self: Collection, operations: Sequence[Any]) -> Any:
        # Another writer changes the invoice between our read and our write, once.
        monkeypatch.setattr(Collection, "bulk_write", real_bulk_write)
        await self.update_one(
            {"account": ACCOUNT, "invoiceId": invoice_id},
            {"$inc": {"version": 1}, "$push": {"auditLogs": {"auditId": "b" * 24}}},
        )
        return await real_bulk_write(self, operations)

    monkeypatch.setattr(Collection, "bulk_write", bulk_write_after_a_rival)
    newer = akinon(6, modified_date="2023-01-01T00:00:00Z")

    [result] = await ingest_batch(sources(newer), ingesting(invoices))

    assert (result.status, result.version) == (RecordStatus.UPDATED, 3)
    stored = await invoices.get(invoice_id)
    assert stored is not None
    assert stored.version == 3
    audits = stored.auditLogs or []
    assert [audit.auditId for audit in audits][0] == "b" * 24
    assert [audit.auditType for audit in audits] == [None, "SOURCE_UPDATE"]


# Rejections


async def test_ingest_rejects_bad_records_and_lands_the_rest(invoices: ScopedInvoices) -> None:
    bad_line = akinon(2)
    bad_line["invoiceitem_set"][0]["total_amount"] = "12,50"
    text = "\n".join(
        [
            json.dumps(akinon(1)),
            json.dumps(bad_line),
            "{not json",
            json.dumps([1, 2]),
            json.dumps({"invoiceNumber": "F-9", "invoiceTotal": "1.00", "invoiceType": "GIFT"}),
            json.dumps(akinon(3, created_date=None)),
            json.dumps(akinon(4)),
        ]
    )

    report = await ingest_records(parse_records(text), invoices)

    assert (report.read, report.stored) == (7, 2)
    assert_balanced(report)
    assert [
        (rejection.position, rejection.invoice_number, rejection.path)
        for rejection in report.rejected
    ] == [
        (2, "INV-2", "invoiceitem_set[0].total_amount"),
        (3, None, None),
        (4, None, None),
        (5, "F-9", "invoiceType"),
        (6, "INV-3", "created_date"),
    ]
    reasons = [rejection.reason for rejection in report.rejected]
    assert '"12,50" is not a decimal number' in reasons[0]
    assert "line 3 is not valid JSON" in reasons[1]
    assert reasons[2] == "expected a JSON object, got list"
    assert "missing" in reasons[4]
    assert await invoices.count() == 2


async def test_ingest_rejects_a_number_taken_by_another_invoice(
    invoices: ScopedInvoices,
) -> None:
    await ingest_records(sources(akinon(1)), invoices)
    thief = akinon(2, number="INV-1")

    result, other = await ingest_batch(sources(thief, akinon(3)), ingesting(invoices))

    assert result.status is RecordStatus.REJECTED
    assert result.rejection is not None
    assert result.rejection.path == "invoiceNumber"
    assert '"INV-1" already belongs to invoice' in result.rejection.reason
    assert "akinon record 1" in result.rejection.reason
    assert other.status is RecordStatus.STORED
    assert await invoices.count() == 2


async def test_ingest_rejects_records_mongodb_cannot_hold(invoices: ScopedInvoices) -> None:
    unstorable = akinon(2, **{"nul\x00key": 1})

    results = await ingest_batch(sources(akinon(1), unstorable, akinon(3)), ingesting(invoices))

    assert statuses(results) == ["stored", "rejected", "stored"]
    assert results[1].rejection is not None
    assert "cannot store" in results[1].rejection.reason


def test_rejects_file_line_replays_the_record() -> None:
    record = akinon(8, total_amount=Decimal("1.50"))
    rejection = Rejection(3, "INV-8", "total_amount", "wrong", record)

    line = rejection.json_line("page.json")

    assert json.loads(line)["rejected"] == {
        "source": "page.json",
        "position": 3,
        "invoiceNumber": "INV-8",
        "path": "total_amount",
        "reason": "wrong",
    }
    assert b'"total_amount":1.50' in line
    [replayed] = parse_records(line.decode())
    assert replayed.data == record


# The counts invariant

OPERATIONS = st.lists(
    st.tuples(
        st.integers(1, 6),  # Akinon id
        st.sampled_from(["same", "newer", "older", "broken", "not json", "clash"]),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS, st.integers(1, 8))
def test_ingest_counts_always_add_up(operations: list[tuple[int, str]], batch_size: int) -> None:
    lines = []
    for record_id, kind in operations:
        if kind == "not json":
            lines.append("{")
            continue
        dates = {"newer": "2030-01-01T00:00:00Z", "older": "2001-01-01T00:00:00Z"}
        record = akinon(record_id, modified_date=dates.get(kind, BASE["modified_date"]))
        if kind == "broken":
            record["created_date"] = "yesterday"
        if kind == "clash":
            record["number"] = "INV-1" if record_id != 1 else "INV-2"
        lines.append(json.dumps(record))

    async def run() -> tuple[IngestReport, int]:
        database = open_database(None, "counts")
        await ensure_indexes(database)
        scoped = InvoiceStore(database).scoped(Scope(ACCOUNT))
        report = await ingest_records(
            parse_records("\n".join(lines)),
            scoped,
            batch_size=batch_size,
        )
        count = await scoped.count()
        await database.drop()
        return report, count

    report, count = asyncio.run(run())

    assert report.read == len(operations)
    assert report.read == report.accounted
    assert count == report.stored
    assert [rejection.position for rejection in report.rejected] == sorted(
        rejection.position for rejection in report.rejected
    )


def test_read_records_of_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="No such file"):
        list(read_records(tmp_path / "missing.json"))
