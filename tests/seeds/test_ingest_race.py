"""Ingest races: an update that landed is reported, whatever lands after it."""

from collections.abc import Sequence
from typing import Any

import pytest

from seeds.akinon import akinon_invoice_id
from seeds.ingest import RecordStatus, ingest_batch, ingest_records
from store.client import Collection, Database
from store.invoices import InvoiceStore, Scope, ScopedInvoices
from tests.seeds.test_ingest import ACCOUNT, akinon, ingesting, sources


@pytest.fixture
def invoices(database: Database) -> ScopedInvoices:
    return InvoiceStore(database).scoped(Scope(ACCOUNT))


async def test_ingest_update_followed_by_an_api_change_is_still_updated(
    invoices: ScopedInvoices, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ingest_records(sources(akinon(7), akinon(8)), invoices)
    landed, overtaken = akinon_invoice_id(ACCOUNT, "7"), akinon_invoice_id(ACCOUNT, "8")
    real_bulk_write = Collection.bulk_write

    async def change(self: Collection, invoice_id: str, audit_id: str) -> None:
        await self.update_one(
            {"account": ACCOUNT, "invoiceId": invoice_id},
            {"$inc": {"version": 1}, "$push": {"auditLogs": {"auditId": audit_id}}},
        )

    async def bulk_write_between_rivals(self: Collection, operations: Sequence[Any]) -> Any:
        # Invoice 8 changes before our write (so it is compared again); invoice 7 gets
        # an API change right after ours, before the ingest checks what landed.
        monkeypatch.setattr(Collection, "bulk_write", real_bulk_write)
        await change(self, overtaken, "b" * 24)
        result = await real_bulk_write(self, operations)
        await change(self, landed, "c" * 24)
        return result

    monkeypatch.setattr(Collection, "bulk_write", bulk_write_between_rivals)
    newer = "2023-01-01T00:00:00Z"

    results = await ingest_batch(
        sources(akinon(7, modified_date=newer), akinon(8, modified_date=newer)),
        ingesting(invoices),
    )

    assert [(result.status, result.version) for result in results] == [
        (RecordStatus.UPDATED, 2),
        (RecordStatus.UPDATED, 3),
    ]
    stored = await invoices.get(landed)
    assert stored is not None
    assert [audit.auditId for audit in stored.auditLogs or []][1:] == ["c" * 24]
    assert stored.version == 3
