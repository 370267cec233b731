"""akinonInvoicesIngest and numbers: amounts exact or refused, free numbers stored alike."""

from decimal import Decimal

from seeds.akinon import akinon_invoice_id, map_akinon_invoice, recover_akinon_record
from store.invoices import Scope
from tests.conftest import ServeFactory
from tests.graph.test_akinon_ingest_mutation import INGEST, akinon

RAW = {"account": 0, "attributes": 1}


async def test_ingest_mutation_refuses_float_amounts(serve: ServeFactory) -> None:
    client = await serve()
    record = akinon(1)
    record["invoiceitem_set"][0]["total_amount"] = 1234567890123.456789

    data = await client.data(INGEST, {"records": [record]})

    [result] = data["akinonInvoicesIngest"]["results"]
    assert result["status"] == "REJECTED"
    assert result["field"] == "invoiceitem_set[0].total_amount"
    assert result["reason"] == "1234567890123.4568 is a binary float: send amounts as strings"
    assert await client.invoices.scoped(Scope("demo")).count() == 0


async def test_ingest_stores_unknown_numbers_alike_from_api_and_file(serve: ServeFactory) -> None:
    client = await serve()
    over_api = akinon(1, weight=1.5, ratio=0.1)
    await client.data(INGEST, {"records": [over_api]})
    # The same record read from a file arrives with exact Decimals (parse_float=Decimal).
    from_file = akinon(2, weight=Decimal("1.5"), ratio=Decimal("0.1"))
    exact = akinon(3, weight=Decimal("1234567890123.456789"))
    invoices = client.invoices.scoped(Scope("demo"))
    await invoices.insert_many([map_akinon_invoice(r, "demo") for r in (from_file, exact)])

    stored = {number: await invoices.get(akinon_invoice_id("demo", number)) for number in "123"}

    kept = {number: invoice.attributes["akinon"] for number, invoice in stored.items() if invoice}
    assert (kept["1"]["weight"], kept["1"]["ratio"]) == (1.5, 0.1)
    assert (kept["2"]["weight"], kept["2"]["ratio"]) == (1.5, 0.1)
    assert type(kept["2"]["ratio"]) is float
    assert kept["3"]["weight"] == "1234567890123.456789"  # beyond a float: exact text
    assert recover_akinon_record(stored["1"]) == over_api  # type: ignore[arg-type]
