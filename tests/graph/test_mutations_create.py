"""invoiceCreate over HTTP: a full invoice is stored and served back; bad ones store nothing."""

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
)

from bench.selections import full_selection
from graph.core_schema import core_schema
from graph.schema import build_schema
from store.domain.instants import parse_instant
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory

GRAPHQL_SCHEMA = core_schema(build_schema())

EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "fabric-example.json"

CREATE = """
mutation Create($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) {
    invoice { invoiceId invoiceNumber version statusCode }
    errors { code message field currentVersion }
  }
}
"""
INVOICE = "query Invoice($id: ID!) { invoice(invoiceId: $id) {\n" + full_selection() + "} }"
EVENTS = "{ invoiceEvents { edges { node { invoiceId version type changedFields actor } } } }"

SERVICE_OWNED = {
    "id",
    "createdAt",
    "updatedAt",
    "postedAt",
    "acknowledgedAt",
    "statusCode",
    "auditLogs",
    "version",
    "source",
    "relatedInvoices",
}
"""Invoice fields the lifecycle sets; every other field is an input."""


def _named(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def as_input(value: Any, kind: GraphQLType, path: str = "input") -> Any:
    """A JSON value shaped for the input type: Decimal money as strings, every field present."""
    named = _named(kind)
    if isinstance(value, list):
        return [as_input(item, kind, f"{path}[{n}]") for n, item in enumerate(value)]
    if isinstance(named, GraphQLInputObjectType):
        assert isinstance(value, dict), path
        missing = set(named.fields) - set(value)
        assert not missing, f"{path} lacks {sorted(missing)}: the example must cover every input"
        return {
            name: as_input(value[name], field.type, f"{path}.{name}")
            for name, field in named.fields.items()
        }
    if isinstance(named, GraphQLScalarType) and named.name == "Decimal":
        return str(value)
    if isinstance(named, GraphQLScalarType) and named.name == "Float":
        return float(value)
    return value


def full_input() -> dict[str, Any]:
    """fabric's reference invoice as an input: every input field, totals made to reconcile."""
    record = json.loads(EXAMPLE.read_text(), parse_float=Decimal)
    for name in SERVICE_OWNED:
        record.pop(name, None)
    record["invoiceNumber"] = "NEW-1"
    record["invoiceStatus"] = "ISSUED"
    [order] = record["orders"]
    [item] = order["items"]
    # The few fields the reference leaves out, so that every input field is sent.
    record["externalId"] = "ERP-2022-0042"  # fabric's v3 API has it, the v2 reference not
    order["payments"][0]["paymentToken"]["paymentType"] = "VISA"
    record["location"]["address"] |= {"addressLine3": "Unit 4", "addressLine4": "Dock B"}
    # The reference's amounts are placeholders that do not add up (600 vs 245.7).
    order["invoiceOrderTotal"] = item["invoiceLineTotal"]
    record["invoiceTotal"] = item["invoiceLineTotal"]
    record["totalTaxAmount"] = item["itemTaxTotal"]
    value: dict[str, Any] = as_input(record, GRAPHQL_SCHEMA.get_type("InvoiceCreateInput"))
    return value


def assert_served(sent: Any, served: Any, kind: GraphQLType, path: str = "invoice") -> None:
    """Every field sent comes back with the same value (money and instants compared exactly)."""
    named = _named(kind)
    if isinstance(sent, list):
        assert isinstance(served, list), path
        assert len(served) == len(sent), path
        for n, (one, other) in enumerate(zip(sent, served, strict=True)):
            assert_served(one, other, kind, f"{path}[{n}]")
    elif isinstance(named, GraphQLObjectType) and isinstance(sent, dict):
        for name, value in sent.items():
            assert name in served, f"{path}.{name} is not served"
            assert_served(value, served[name], named.fields[name].type, f"{path}.{name}")
    elif named.name == "Decimal":
        assert Decimal(served) == Decimal(sent), f"{path}: {served} != {sent}"
        assert served == sent, f"{path}: the digits changed: {served} != {sent}"
    elif named.name == "DateTime":
        assert parse_instant(served) == parse_instant(sent), f"{path}: {served} != {sent}"
    else:
        assert served == sent, f"{path}: {served!r} != {sent!r}"


async def stored_counts(client: GraphQLClient) -> tuple[int, int]:
    """(invoices, events) stored for the demo account, deleted invoices included."""
    invoices = client.invoices.scoped(Scope("demo")).including_deleted()
    return await invoices.count(), len(await invoices.events.page(None, 1000))


def test_input_types_mirror_the_object_types() -> None:
    types = GRAPHQL_SCHEMA.type_map
    mirrored = {
        name.removesuffix("Input"): kind for name, kind in types.items() if name.endswith("Input")
    }
    mirrored["Invoice"] = mirrored.pop("InvoiceCreate")
    for name, input_type in mirrored.items():
        assert isinstance(input_type, GraphQLInputObjectType)
        object_type = types[name]
        assert isinstance(object_type, GraphQLObjectType), name
        expected = set(object_type.fields) - (SERVICE_OWNED if name == "Invoice" else set())
        assert set(input_type.fields) == expected, name
        for field, input_field in input_type.fields.items():
            assert (
                _named(input_field.type).name.removesuffix("Input")
                == _named(object_type.fields[field].type).name
            ), f"{name}.{field}"


async def test_create_full_invoice_is_immediately_readable_with_every_field(
    serve: ServeFactory,
) -> None:
    client = await serve()
    client.key = "demo-writer-key"
    sent = full_input()
    before = client.commands

    result = (await client.data(CREATE, {"input": sent}))["invoiceCreate"]

    assert client.commands - before == 1  # one insert, its event pending inside it
    assert result["errors"] == []
    created = result["invoice"]
    assert created == {
        "invoiceId": sent["invoiceId"],
        "invoiceNumber": "NEW-1",
        "version": 1,
        "statusCode": "CREATED",
    }
    served = (await client.data(INVOICE, {"id": created["invoiceId"]}))["invoice"]
    assert_served(sent, served, GRAPHQL_SCHEMA.get_type("Invoice"))
    assert served["source"] == {
        "system": "invoicegraph",
        "id": sent["invoiceId"],
        "modifiedAt": None,
    }
    assert served["createdAt"] == served["updatedAt"]
    assert (served["postedAt"], served["acknowledgedAt"]) == (None, None)
    [entry] = served["auditLogs"]
    assert entry["auditType"] == "CREATE"
    assert (entry["employeeId"], entry["source"]) == ("demo-writer", "API")
    assert entry["auditTimestamp"] == served["createdAt"]
    events = (await client.data(EVENTS))["invoiceEvents"]["edges"]
    assert [edge["node"] for edge in events] == [
        {
            "invoiceId": sent["invoiceId"],
            "version": 1,
            "type": "CREATE",
            "changedFields": [],
            "actor": "demo-writer",
        }
    ]


async def test_create_minimal_invoice_gets_an_id_and_starts_as_draft(serve: ServeFactory) -> None:
    client = await serve()

    result = (
        await client.data(CREATE, {"input": {"invoiceNumber": "MIN-1", "invoiceTotal": "0"}})
    )["invoiceCreate"]

    assert result["errors"] == []
    invoice_id = result["invoice"]["invoiceId"]
    assert len(invoice_id) == 24
    served = (await client.data(INVOICE, {"id": invoice_id}))["invoice"]
    assert (served["invoiceStatus"], served["statusCode"]) == ("DRAFT", "CREATED")
    assert served["invoiceDate"] == served["createdAt"]


def with_changes(**changes: Any) -> dict[str, Any]:
    """The full input with some values replaced; a path 'orders.0.x' reaches into lists."""
    value = copy.deepcopy(full_input())
    for dotted, new in changes.items():
        *parents, last = dotted.split("__")
        target: Any = value
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if new is None:
            del target[last]
        else:
            target[last] = new
    return value


PAYLOAD_REFUSALS = [
    pytest.param(
        with_changes(invoiceNumber="  "),
        "INVALID_INPUT",
        "invoiceNumber",
        "blank",
        id="blank-number",
    ),
    pytest.param(
        with_changes(invoiceStatus="DELETED"),
        "INVALID_INPUT",
        "invoiceStatus",
        "cannot start as DELETED",
        id="starts-deleted",
    ),
    pytest.param(
        with_changes(orders__0__invoiceOrderTotal="599.99", invoiceTotal="599.99"),
        "INVALID_INPUT",
        "orders[0].invoiceOrderTotal",
        "orders[0].invoiceOrderTotal is 599.99 but its items' invoiceLineTotal add up to 600",
        id="order-vs-lines",
    ),
    pytest.param(
        with_changes(invoiceTotal="600.01"),
        "INVALID_INPUT",
        "invoiceTotal",
        "invoiceTotal is 600.01 but the orders' invoiceOrderTotal add up to 600 (off by 0.01)",
        id="invoice-vs-orders",
    ),
    pytest.param(
        with_changes(totalTaxAmount="122.99"),
        "INVALID_INPUT",
        "totalTaxAmount",
        "totalTaxAmount is 122.99 but the items' itemTaxTotal add up to 123",
        id="taxes",
    ),
    pytest.param(
        with_changes(orders__0__items__0__invoiceLineTotal=None),
        "INVALID_INPUT",
        "orders[0].items[0].invoiceLineTotal",
        "is required",
        id="missing-line-total",
    ),
    pytest.param(
        with_changes(orders__0__items__0__itemUnitPrice="1.1234567"),
        "INVALID_INPUT",
        "orders[0].items[0].itemUnitPrice",
        "more than 6 decimal places",
        id="sub-micro-money",
    ),
    pytest.param(
        with_changes(orders__0__items__0__itemUnitPrice="9300000000000"),
        "INVALID_INPUT",
        "orders[0].items[0].itemUnitPrice",
        "out of range",
        id="money-beyond-int64-units",
    ),
    pytest.param(
        with_changes(orders__0__items__0__attributes={"erp": {"batch.no": 7}}),
        "INVALID_INPUT",
        "orders[0].items[0].attributes.erp",
        "key 'batch.no'",
        id="dotted-attribute-key",
    ),
    pytest.param(
        with_changes(attributes=["not", "an", "object"]),
        "INVALID_INPUT",
        "attributes",
        "dictionary",
        id="attributes-not-object",
    ),
]


@pytest.mark.parametrize(("sent", "code", "field", "message"), PAYLOAD_REFUSALS)
async def test_create_invalid_invoice_is_refused_precisely_and_stores_nothing(
    serve: ServeFactory, sent: dict[str, Any], code: str, field: str, message: str
) -> None:
    client = await serve()
    before = await stored_counts(client)

    result = (await client.data(CREATE, {"input": sent}))["invoiceCreate"]

    assert result["invoice"] is None
    [error] = result["errors"]
    assert (error["code"], error["field"]) == (code, field)
    assert message in error["message"]
    assert await stored_counts(client) == before


SCHEMA_REFUSALS = [
    pytest.param(with_changes(invoiceNumber=None), "invoiceNumber", id="missing-number"),
    pytest.param(with_changes(invoiceTotal=None), "invoiceTotal", id="missing-total"),
    pytest.param(with_changes(invoiceStatus="PAID"), "PAID", id="unknown-status"),
    pytest.param(with_changes(orders__0__orderType="FAX"), "FAX", id="unknown-order-type"),
    pytest.param(with_changes(invoiceDate="2024-01-01T10:00:00"), "timezone", id="naive-date"),
    pytest.param(with_changes(invoiceTotal=600.0), "string", id="float-money"),
    pytest.param(with_changes(invoiceTotal="1e999999999"), "out of range", id="huge-exponent"),
    pytest.param(with_changes(sku="X"), "sku", id="unknown-field"),
]


@pytest.mark.parametrize(("sent", "named"), SCHEMA_REFUSALS)
async def test_create_ill_typed_input_is_refused_by_the_schema_and_stores_nothing(
    serve: ServeFactory, sent: dict[str, Any], named: str
) -> None:
    client = await serve()
    before = await stored_counts(client)

    status, body = await client.post(CREATE, {"input": sent})

    assert status == 200
    assert "data" not in body or body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert named in error["message"]
    assert await stored_counts(client) == before


async def test_create_reports_every_problem_at_once(serve: ServeFactory) -> None:
    client = await serve()
    sent = with_changes(invoiceStatus="DELETED", invoiceTotal="1", totalTaxAmount="1")

    result = (await client.data(CREATE, {"input": sent}))["invoiceCreate"]

    assert [error["field"] for error in result["errors"]] == [
        "invoiceStatus",
        "invoiceTotal",
        "totalTaxAmount",
    ]


async def test_create_fabric_reference_as_is_is_refused_for_its_totals(
    serve: ServeFactory,
) -> None:
    client = await serve()
    sent = with_changes()
    sent["orders"][0]["invoiceOrderTotal"] = "245.7"
    sent["invoiceTotal"] = "245.7"

    result = (await client.data(CREATE, {"input": sent}))["invoiceCreate"]

    [error] = result["errors"]
    assert error["message"] == (
        "orders[0].invoiceOrderTotal is 245.7 but its items' invoiceLineTotal add up to 600 "
        "(off by -354.3)"
    )


async def test_create_duplicate_number_or_id_is_refused(serve: ServeFactory) -> None:
    client = await serve()
    first = (await client.data(CREATE, {"input": with_changes()}))["invoiceCreate"]
    assert first["errors"] == []
    before = await stored_counts(client)

    same_number = with_changes(invoiceId="aaaaaaaaaaaaaaaaaaaaaaaa")
    same_id = with_changes(invoiceNumber="NEW-2")
    refusals = [
        (await client.data(CREATE, {"input": sent}))["invoiceCreate"]["errors"]
        for sent in (same_number, same_id)
    ]

    assert [(e["code"], e["field"]) for [e] in refusals] == [
        ("DUPLICATE", "invoiceNumber"),
        ("DUPLICATE", "invoiceId"),
    ]
    assert '"NEW-1"' in refusals[0][0]["message"]
    assert await stored_counts(client) == before


async def test_create_same_number_in_another_account_is_another_invoice(
    serve: ServeFactory,
) -> None:
    from invoicegraph.settings import ApiKeyConfig

    client = await serve(
        api_keys=[ApiKeyConfig(key="acme-writer-key", account="acme", scopes=["read", "write"])]
    )
    assert (await client.data(CREATE, {"input": with_changes()}))["invoiceCreate"]["errors"] == []
    client.key = "acme-writer-key"

    result = (await client.data(CREATE, {"input": with_changes()}))["invoiceCreate"]

    assert result["errors"] == []
