"""The request's writer keeps the request's loaders current, for ingest as for mutations.

A loader keeps what it loaded for the whole request; whatever the request then writes
through its writer (graph/request_writer.py), a pushed ingest included, leaves it.
"""

from graph.dataloaders import Loaders
from graph.request_writer import RequestWriter
from seeds.akinon import akinon_invoice_id
from seeds.ingest import RecordStatus, ingest_batch
from store.client import Database
from store.invoices import InvoiceStore, Scope
from tests.seeds.test_ingest import ACCOUNT, akinon, sources


async def test_ingest_through_the_request_writer_leaves_the_loaders(database: Database) -> None:
    invoices = InvoiceStore(database).scoped(Scope(ACCOUNT))
    loaders = Loaders(invoices)
    writer = RequestWriter(invoices, "partner-key", loaders)
    by_id = loaders.invoice_by_id_for(None)
    kept, new = akinon_invoice_id(ACCOUNT, "7"), akinon_invoice_id(ACCOUNT, "8")
    await ingest_batch(sources(akinon(7, modified_date="2021-06-01T00:00:00Z")), writer)
    loaded = await by_id.load(kept)
    assert loaded is not None
    assert loaded.version == 1
    assert await by_id.load(new) is None  # the loader now holds "no such invoice"

    newer = akinon(7, status="approved", modified_date="2021-07-01T00:00:00Z")
    results = await ingest_batch(sources(newer, akinon(8)), writer)

    assert [result.status for result in results] == [RecordStatus.UPDATED, RecordStatus.STORED]
    reloaded = await by_id.load(kept)
    assert reloaded is not None
    assert (reloaded.version, reloaded.auditLogs[-1].employeeId) == (2, "partner-key")
    assert await by_id.load(new) is not None
