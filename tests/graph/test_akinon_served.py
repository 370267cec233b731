"""Akinon's reference record, ingested and served, keeps every source value."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.selections import full_selection
from seeds.akinon import recover_akinon_record
from store.domain.documents import Invoice
from tests.conftest import ServeFactory

PAGE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "akinon-example-page.json"

INVOICE_BY_NUMBER = (
    "query($number: String!) { invoiceByNumber(invoiceNumber: $number) {\n"
    + full_selection()
    + "} }"
)


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


async def test_serve_akinon_reference_keeps_every_source_value(serve: ServeFactory) -> None:
    client = await serve(ingest=[f"demo={PAGE}"])
    [record] = json.loads(PAGE.read_text())["results"]

    served = (await client.data(INVOICE_BY_NUMBER, {"number": "9222609107"}))["invoiceByNumber"]

    # Mapped fields read as fabric's, with money digits unchanged.
    assert served["invoiceType"] == "SHIPPING"
    assert served["channelId"] == "2"
    assert served["invoiceTotal"] == "399.00"
    assert served["totalTaxAmount"] == "29.56"
    [order] = served["orders"]
    assert order["orderNumber"] == "378321346010117487"
    assert [item["invoiceLineTotal"] for item in order["items"]] == ["399.00"]
    assert served["invoiceDate"] == "2019-03-20T13:20:08.741964Z"

    # Everything else is in attributes: the served invoice gives back the exact record.
    served_model = Invoice.model_validate(_stored_fields(served))
    assert recover_akinon_record(served_model) == record
    served_text = json.dumps(served)
    for value in leaves(record):
        if isinstance(value, str) and value:
            assert json.dumps(value) in served_text, value


def _stored_fields(served: dict[str, Any]) -> dict[str, Any]:
    fields = {key: value for key, value in served.items() if key not in ("id", "relatedInvoices")}
    fields["account"] = "demo"
    return fields


def test_reference_record_has_decimal_strings() -> None:
    [record] = json.loads(PAGE.read_text())["results"]
    assert Decimal(record["invoiceitem_set"][0]["total_amount"]) == Decimal("399.00")
