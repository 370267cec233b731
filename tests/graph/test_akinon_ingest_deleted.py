"""akinonInvoicesIngest and deleted invoices: deleted is final, a newer record is rejected."""

from seeds.akinon import akinon_invoice_id
from store.domain.enums import InvoiceStatus
from store.invoices import Scope
from tests.conftest import ServeFactory
from tests.graph.test_akinon_ingest_mutation import INGEST, akinon
from tests.graph.test_mutations_status import STATUS_UPDATE


async def test_ingest_newer_record_of_a_deleted_invoice_is_rejected(serve: ServeFactory) -> None:
    client = await serve()
    await client.data(INGEST, {"records": [akinon(1, status="waiting")]})
    invoice_id = akinon_invoice_id("demo", "1")
    moved = await client.data(STATUS_UPDATE, {"id": invoice_id, "status": "DELETED"})
    assert moved["invoiceStatusUpdate"]["invoice"]["version"] == 2
    newer = akinon(1, status="approved", modified_date="2030-01-01T00:00:00Z")

    data = await client.data(INGEST, {"records": [newer]})

    payload = data["akinonInvoicesIngest"]
    [result] = payload["results"]
    assert (result["status"], payload["rejected"], payload["updated"]) == ("REJECTED", 1, 0)
    assert result["reason"] == f"invoice {invoice_id} was deleted: it takes no source updates"
    stored = await client.invoices.scoped(Scope("demo")).including_deleted().get(invoice_id)
    assert stored is not None
    assert (stored.invoiceStatus, stored.version) == (InvoiceStatus.DELETED, 2)
