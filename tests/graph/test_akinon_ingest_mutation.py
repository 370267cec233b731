"""akinonInvoicesIngest over HTTP: one result per record; idempotent, stale, rejected."""

import copy
import io
import json
from pathlib import Path
from typing import Any

from bench.ingest import akinon_records
from graph.mutations.akinon_invoices_ingest import MAX_RECORDS
from invoicegraph.settings import Settings
from seeds.akinon import akinon_invoice_id
from seeds.akinon_currency import DefaultCurrencies
from store.keys import key_digest
from tests.conftest import ServeFactory

PAGE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "akinon-example-page.json"
BASE = json.loads(PAGE.read_text())["results"][0]

INGEST = """
mutation Ingest($records: [JSON!]!) {
  akinonInvoicesIngest(records: $records) {
    results { position status invoiceId version reason field }
    stored updated unchanged stale rejected
    errors { code message field }
  }
}
"""

INVOICE = """
query Invoice($id: ID!) {
  invoice(invoiceId: $id) {
    invoiceNumber version invoiceStatus invoiceTotal
    auditLogs { auditType employeeId updatedFields { fieldName fieldOriginalValue } }
    attributes
  }
}
"""


def akinon(record_id: int, **overrides: Any) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    record.update(id=record_id, number=f"P-{record_id}")
    record.update(overrides)
    return record


async def test_ingest_mutation_gives_one_result_per_record(serve: ServeFactory) -> None:
    client = await serve()
    broken = akinon(2)
    broken["invoiceitem_set"][0]["total_amount"] = "abc"

    data = await client.data(INGEST, {"records": [akinon(1), broken, akinon(3)]})

    payload = data["akinonInvoicesIngest"]
    assert payload["errors"] == []
    assert (payload["stored"], payload["rejected"], payload["updated"]) == (2, 1, 0)
    first, second, third = payload["results"]
    assert first == {
        "position": 1,
        "status": "STORED",
        "invoiceId": akinon_invoice_id("demo", "1"),
        "version": 1,
        "reason": None,
        "field": None,
    }
    assert second["status"] == "REJECTED"
    assert second["invoiceId"] is None
    assert second["field"] == "invoiceitem_set[0].total_amount"
    assert second["reason"] == '"abc" is not a decimal number'
    assert (third["position"], third["status"]) == (3, "STORED")
    stored = await client.data(INVOICE, {"id": first["invoiceId"]})
    assert stored["invoice"]["invoiceNumber"] == "P-1"
    assert stored["invoice"]["attributes"]["akinon"]["status"] == "waiting"


async def test_ingest_mutation_again_changes_nothing(serve: ServeFactory) -> None:
    client = await serve()
    records = [akinon(1), akinon(2)]
    await client.data(INGEST, {"records": records})
    commands = client.commands

    data = await client.data(INGEST, {"records": records})

    payload = data["akinonInvoicesIngest"]
    assert [result["status"] for result in payload["results"]] == ["UNCHANGED", "UNCHANGED"]
    assert [result["version"] for result in payload["results"]] == [1, 1]
    assert client.commands - commands == 1  # one find by source key, no write


async def test_ingest_mutation_updates_newer_and_ignores_older_records(
    serve: ServeFactory,
) -> None:
    client = await serve()
    await client.data(INGEST, {"records": [akinon(5, modified_date="2021-06-01T00:00:00Z")]})
    newer = akinon(5, status="approved", modified_date="2021-07-01T00:00:00Z")
    older = akinon(5, status="cancelled", modified_date="2021-05-01T00:00:00Z")

    data = await client.data(INGEST, {"records": [newer, older]})

    payload = data["akinonInvoicesIngest"]
    assert [(r["status"], r["version"]) for r in payload["results"]] == [
        ("UPDATED", 2),
        ("STALE", 2),
    ]
    assert (payload["updated"], payload["stale"]) == (1, 1)
    invoice = (await client.data(INVOICE, {"id": akinon_invoice_id("demo", "5")}))["invoice"]
    assert (invoice["version"], invoice["invoiceStatus"]) == (2, "ISSUED")
    [audit] = invoice["auditLogs"]
    assert audit["auditType"] == "SOURCE_UPDATE"
    # The API key's name; an unnamed key's tells nothing about the key (issue 13).
    assert audit["employeeId"] == "key-1"
    assert key_digest("demo-key")[:4] not in audit["employeeId"]
    changed = {field["fieldName"]: field["fieldOriginalValue"] for field in audit["updatedFields"]}
    assert changed["invoiceStatus"] == "DRAFT"
    assert changed["attributes.akinon.modified_date"] == "2021-06-01T00:00:00Z"


async def test_ingest_mutation_lands_records_in_the_callers_account_only(
    serve: ServeFactory,
) -> None:
    client = await serve()
    await client.data(INGEST, {"records": [akinon(7)]})

    client.key = "acme-reader-key"
    data = await client.data(INVOICE, {"id": akinon_invoice_id("demo", "7")})

    assert data["invoice"] is None


async def test_ingest_mutation_refuses_too_many_records(serve: ServeFactory) -> None:
    client = await serve()

    data = await client.data(INGEST, {"records": [akinon(i) for i in range(501)]})

    payload = data["akinonInvoicesIngest"]
    assert payload["results"] == []
    [error] = payload["errors"]
    assert error["code"] == "TOO_MANY_RECORDS"
    assert error["field"] == "records"
    assert "501 records" in error["message"]


async def test_ingest_mutation_rejects_a_record_that_is_not_an_object(
    serve: ServeFactory,
) -> None:
    client = await serve()

    data = await client.data(INGEST, {"records": ["P-1", akinon(1)]})

    first, second = data["akinonInvoicesIngest"]["results"]
    assert (first["status"], first["reason"]) == ("REJECTED", "expected a JSON object, got str")
    assert second["status"] == "STORED"


EVENTS = """
query Events {
  invoiceEvents(first: 20) {
    edges { node { eventId invoiceId version type changedFields actor } }
  }
}
"""


async def test_ingest_mutation_update_is_an_invoice_event(serve: ServeFactory) -> None:
    client = await serve()
    await client.data(INGEST, {"records": [akinon(8, modified_date="2021-06-01T00:00:00Z")]})
    newer = akinon(8, status="approved", modified_date="2021-07-01T00:00:00Z")
    await client.data(INGEST, {"records": [newer, newer]})  # the second is unchanged

    edges = (await client.data(EVENTS))["invoiceEvents"]["edges"]
    invoice = (await client.data(INVOICE, {"id": akinon_invoice_id("demo", "8")}))["invoice"]

    created, event = [edge["node"] for edge in edges]
    [audit] = invoice["auditLogs"]
    # The record's first ingest stored the invoice: a CREATE at the version it was stored with.
    assert (created["invoiceId"], created["version"], created["type"]) == (
        akinon_invoice_id("demo", "8"),
        1,
        "CREATE",
    )
    assert (event["invoiceId"], event["version"], event["type"]) == (
        akinon_invoice_id("demo", "8"),
        2,
        "SOURCE_UPDATE",
    )
    assert event["actor"] == audit["employeeId"]
    assert "invoiceStatus" in event["changedFields"]
    assert event["changedFields"] == [field["fieldName"] for field in audit["updatedFields"]]


def realistic_batch() -> list[dict[str, Any]]:
    """500 distinct Akinon records of 3 or 4 lines: about 2.5 KB each, as Akinon sends them."""
    records = [record for record in akinon_records(1200) if len(record["invoiceitem_set"]) >= 3]
    return records[:MAX_RECORDS]


async def test_a_full_batch_of_realistic_records_fits_the_body_limit(serve: ServeFactory) -> None:
    client = await serve()
    records = realistic_batch()
    body = json.dumps({"query": INGEST, "variables": {"records": records}}).encode()
    assert len(records) == 500
    assert 2_300 < len(body) / len(records) < 2_700  # bytes a record, as the issue measured
    assert len(body) > Settings().max_body_bytes  # what any key may send: ingest keys more

    response = await client.http.post(
        "/graphql",
        data=io.BytesIO(body),
        headers={**client.headers(), "Content-Type": "application/json"},
    )

    assert response.status == 200
    payload = (await response.json())["data"]["akinonInvoicesIngest"]
    assert (payload["stored"], payload["rejected"], payload["errors"]) == (500, 0, [])

    client.key = "acme-reader-key"  # a key without the ingest scope keeps the smaller limit
    refused = await client.http.post(
        "/graphql",
        data=io.BytesIO(body),
        headers={**client.headers(), "Content-Type": "application/json"},
    )
    assert refused.status == 413
    [error] = (await refused.json())["errors"]
    assert error["message"] == (
        "The request body is too large: this key may send at most 1,000,000 bytes."
    )


BY_CURRENCY = "{ invoiceSummary { byCurrency { currency count } } }"


async def test_pushed_records_take_the_account_s_currency_and_summaries_group_by_it(
    serve: ServeFactory,
) -> None:
    client = await serve(
        akinon_currencies=DefaultCurrencies.model_validate(
            {"demo": {"default": "TRY", "channels": {"9": "EUR"}}}
        )
    )
    in_channel_9 = akinon(2, channel=BASE["channel"] | {"id": 9})

    data = await client.data(INGEST, {"records": [akinon(1), in_channel_9, akinon(3)]})

    assert data["akinonInvoicesIngest"]["stored"] == 3
    summary = await client.data(BY_CURRENCY)
    assert sorted(summary["invoiceSummary"]["byCurrency"], key=lambda g: g["currency"]) == [
        {"currency": "EUR", "count": 1},
        {"currency": "TRY", "count": 2},
    ]
    found = await client.data(INVOICE, {"id": akinon_invoice_id("demo", "2")})
    assert found["invoice"]["attributes"]["akinonDefaultCurrency"] == "EUR"
