"""Caps on field lengths and on an invoice's size, refused with a code before the write;
changes that change nothing are no-ops (issue 13)."""

from typing import Any

from store.invoices import Scope
from store.size import MAX_DOCUMENT_BYTES, MAX_IDENTIFIER_LENGTH, MAX_TEXT_LENGTH, document_bytes
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.test_akinon_ingest_mutation import INGEST, akinon

CREATE = """mutation($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) { invoice { invoiceId } errors { code message field } } }"""
UPDATE = """mutation($id: ID!, $attributes: JSON, $remove: [String!]) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: $attributes, keysToRemove: $remove) {
    invoice { version attributes auditLogs { auditType } } errors { code message field } } }"""
EVENTS = "{ invoiceEvents(first: 100) { edges { node { type version } } } }"


async def create(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"invoiceNumber": "A-1", "invoiceTotal": "1.00", **fields}
    result: dict[str, Any] = (await client.data(CREATE, {"input": values}))["invoiceCreate"]
    return result


async def test_long_identifiers_and_texts_are_refused(serve: ServeFactory) -> None:
    client = await serve()
    long_number = await create(client, invoiceNumber="N" * (MAX_IDENTIFIER_LENGTH + 1))
    [error] = long_number["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "invoiceNumber")
    assert error["message"].endswith(f"characters; at most {MAX_IDENTIFIER_LENGTH}")
    assert "NNNN" not in error["message"]

    long_text = await create(client, shipmentNumber="S" * (MAX_TEXT_LENGTH + 1))
    [error] = long_text["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "shipmentNumber")

    record = akinon(1, number="N" * (MAX_IDENTIFIER_LENGTH + 1))
    [result] = (await client.data(INGEST, {"records": [record]}))["akinonInvoicesIngest"]["results"]
    assert result["status"] == "REJECTED"
    assert await client.invoices.scoped(Scope("demo")).count() == 0


async def test_an_invoice_cannot_grow_past_its_cap(serve: ServeFactory) -> None:
    client = await serve()
    invoice_id = (await create(client))["invoice"]["invoiceId"]
    value = "x" * 950_000
    refused = None
    for n in range(12):
        answer = await client.data(UPDATE, {"id": invoice_id, "attributes": {f"k{n}": value}})
        payload = answer["invoiceAttributesUpdate"]
        if payload["errors"]:
            refused = payload["errors"][0]
            break
    assert refused is not None, "the cap was never reached"
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "attributes")
    assert f"over the {MAX_DOCUMENT_BYTES} an invoice may hold" in refused["message"]
    stored = await client.invoices.scoped(Scope("demo")).get_document(invoice_id)
    assert stored is not None
    assert document_bytes(stored) < MAX_DOCUMENT_BYTES < 16 * 1024 * 1024


async def test_changes_that_change_nothing_are_no_ops(serve: ServeFactory) -> None:
    client = await serve()
    invoice_id = (await create(client))["invoice"]["invoiceId"]
    first = await client.data(UPDATE, {"id": invoice_id, "attributes": {"a": 1, "b": {"c": [1]}}})
    assert first["invoiceAttributesUpdate"]["invoice"]["version"] == 2
    events = await client.data(EVENTS)

    for attributes, remove in [
        ({"a": 1}, None),  # the value it has
        ({"a": 1.0, "b": {"c": [1]}}, None),  # the same JSON values
        (None, ["never-there"]),  # a key it does not have
        ({"b": {"c": [1]}}, ["gone-too"]),
    ]:
        answer = await client.data(
            UPDATE, {"id": invoice_id, "attributes": attributes, "remove": remove}
        )
        payload = answer["invoiceAttributesUpdate"]
        assert payload["errors"] == []
        assert payload["invoice"]["version"] == 2
        assert [log["auditType"] for log in payload["invoice"]["auditLogs"]] == [
            "CREATE",
            "ATTRIBUTES_UPDATE",
        ]
    assert await client.data(EVENTS) == events

    # true is not 1: a change; and only what changes is written.
    answer = await client.data(
        UPDATE, {"id": invoice_id, "attributes": {"a": True, "b": {"c": [1]}}}
    )
    invoice = answer["invoiceAttributesUpdate"]["invoice"]
    assert (invoice["version"], invoice["attributes"]) == (3, {"a": True, "b": {"c": [1]}})
    latest = (await client.data(EVENTS))["invoiceEvents"]["edges"][-1]["node"]
    assert latest == {"type": "ATTRIBUTES_UPDATE", "version": 3}
