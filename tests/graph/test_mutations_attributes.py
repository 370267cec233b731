"""invoiceAttributesUpdate over HTTP: set and remove keys, audited with their previous values."""

import asyncio
from typing import Any

import pytest

from store.domain.enums import InvoiceStatus
from tests.conftest import ServeFactory
from tests.graph.invoice_states import reread, stored_invoice

ATTRIBUTES_UPDATE = """
mutation Attributes($id: ID!, $set: JSON, $remove: [String!], $expected: Int) {
  invoiceAttributesUpdate(
    invoiceId: $id, attributes: $set, keysToRemove: $remove, expectedVersion: $expected
  ) {
    invoice { attributes version
              auditLogs { auditType updatedFields { fieldName fieldOriginalValue } } }
    errors { code message field currentVersion }
  }
}
"""


async def update(client: Any, variables: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(ATTRIBUTES_UPDATE, variables))[
        "invoiceAttributesUpdate"
    ]
    return result


async def test_attributes_update_sets_and_removes_keys_auditing_previous_values(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(
        client, attributes={"erp": {"id": 7}, "gift": True, "note": "fragile", "keep": 1}
    )

    result = await update(
        client,
        {
            "id": stored.invoiceId,
            "set": {"erp": {"id": 8, "batch": "B-1"}, "note": "handle with care", "new": [1, 2]},
            "remove": ["gift", "absent"],
        },
    )

    assert result["errors"] == []
    invoice = result["invoice"]
    assert invoice["attributes"] == {
        "erp": {"id": 8, "batch": "B-1"},
        "note": "handle with care",
        "new": [1, 2],
        "keep": 1,
    }
    assert invoice["version"] == 2
    [entry] = invoice["auditLogs"]
    assert entry["auditType"] == "ATTRIBUTES_UPDATE"
    assert entry["updatedFields"] == [
        {"fieldName": "attributes.erp", "fieldOriginalValue": '{"id":7}'},
        {"fieldName": "attributes.note", "fieldOriginalValue": "fragile"},
        {"fieldName": "attributes.new", "fieldOriginalValue": None},
        {"fieldName": "attributes.gift", "fieldOriginalValue": "true"},
    ]  # removing "absent", which it never had, changes nothing: not audited


async def test_attributes_update_on_invoice_without_attributes_creates_them(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client)

    result = await update(client, {"id": stored.invoiceId, "set": {"erpExported": True}})

    assert result["invoice"]["attributes"] == {"erpExported": True}
    assert (await reread(client, stored)).attributes == {"erpExported": True}


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        ({"set": {"a.b": 1}}, "attributes", "key 'a.b' in attributes is not allowed"),
        ({"set": {"$where": 1}}, "attributes", "key '$where' in attributes is not allowed"),
        ({"set": {"a": [{"$x": 1}]}}, "attributes.a[0]", "key '$x' in attributes.a[0]"),
        ({"remove": [""]}, "keysToRemove", "key '' in keysToRemove is not allowed"),
        ({"set": {"a": 1}, "remove": ["a"]}, "keysToRemove", "both set and removed: a"),
        ({"set": ["not", "an", "object"]}, "attributes", "must be a JSON object"),
        ({"set": "text"}, "attributes", "must be a JSON object"),
        ({}, None, "nothing to change"),
        ({"set": {"a": 1}, "expected": 0}, "expectedVersion", "starts at 1"),
    ],
    ids=[
        "dotted",
        "dollar",
        "nested-dollar",
        "empty",
        "both",
        "list",
        "text",
        "nothing",
        "version-zero",
    ],
)
async def test_attributes_update_with_invalid_arguments_changes_nothing(
    serve: ServeFactory, variables: dict[str, Any], field: str | None, message: str
) -> None:
    client = await serve()
    stored = await stored_invoice(client, attributes={"a": 0})
    before = client.commands

    result = await update(client, {"id": stored.invoiceId, **variables})

    assert client.commands == before  # refused before reading anything
    assert result["invoice"] is None
    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", field)
    assert message in error["message"]
    after = await reread(client, stored)
    assert (after.attributes, after.version) == ({"a": 0}, 1)


async def test_attributes_update_of_deleted_invoice_is_invalid_transition(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.DELETED)

    result = await update(client, {"id": stored.invoiceId, "set": {"a": 1}})

    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", "invoiceStatus")
    assert "DELETED" in error["message"]
    assert (await reread(client, stored)).version == 1


async def test_attributes_updates_of_distinct_keys_without_expected_version_all_land(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client)

    results = await asyncio.gather(
        *(update(client, {"id": stored.invoiceId, "set": {f"k{n}": n}}) for n in range(20))
    )

    assert all(result["errors"] == [] for result in results)
    assert sorted(result["invoice"]["version"] for result in results) == list(range(2, 22))
    after = await reread(client, stored)
    assert after.attributes == {f"k{n}": n for n in range(20)}
    assert after.version == 21
    assert len(after.auditLogs or []) == 20
