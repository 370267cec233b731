"""invoiceStatusUpdate over HTTP: every move of the lifecycle table, allowed and forbidden."""

import pytest

from store.domain.enums import InvoiceStatus
from store.domain.lifecycle import INVOICE_STATUS_TRANSITIONS, state_name
from tests.conftest import ServeFactory
from tests.graph.invoice_states import reread, stored_invoice

# Served tests on both backends: the embedded store and a MongoDB-speaking server.
pytestmark = pytest.mark.both_backends

STATUS_UPDATE = """
mutation Move($id: ID!, $status: InvoiceStatus!, $expected: Int) {
  invoiceStatusUpdate(invoiceId: $id, invoiceStatus: $status, expectedVersion: $expected) {
    invoice {
      invoiceId invoiceStatus version updatedAt
      auditLogs { auditId auditType employeeId auditTimestamp source
                  updatedFields { fieldName fieldOriginalValue } }
    }
    errors { code message field currentVersion }
  }
}
"""
INVOICE_STATE = """
query State($id: ID!) { invoice(invoiceId: $id) { invoiceStatus version auditLogs { auditId } } }
"""
LISTING = "{ invoices(first: 100) { totalCount edges { node { invoiceId } } } }"

SOURCES = [None, *InvoiceStatus]
ALLOWED = [
    (source, target) for source, targets in INVOICE_STATUS_TRANSITIONS.items() for target in targets
]
FORBIDDEN = [
    (source, target)
    for source in SOURCES
    for target in InvoiceStatus
    if target not in INVOICE_STATUS_TRANSITIONS[source]
]


def case_id(move: tuple[InvoiceStatus | None, InvoiceStatus]) -> str:
    return f"{state_name(move[0])}->{move[1].value}"


def test_cases_cover_every_pair_of_states() -> None:
    assert len(ALLOWED) + len(FORBIDDEN) == len(SOURCES) * len(InvoiceStatus)
    assert set(ALLOWED).isdisjoint(FORBIDDEN)


@pytest.mark.parametrize("move", ALLOWED, ids=case_id)
async def test_status_update_allowed_move_lands_once(
    serve: ServeFactory, move: tuple[InvoiceStatus | None, InvoiceStatus]
) -> None:
    source, target = move
    client = await serve()
    client.key = "demo-writer-key"
    stored = await stored_invoice(client, status=source)
    before = client.commands

    data = await client.data(STATUS_UPDATE, {"id": stored.invoiceId, "status": target.name})

    assert client.commands - before == 2  # read, one atomic update (its event pending in it)
    result = data["invoiceStatusUpdate"]
    assert result["errors"] == []
    invoice = result["invoice"]
    assert (invoice["invoiceStatus"], invoice["version"]) == (target.name, 2)
    [entry] = invoice["auditLogs"]
    assert entry["auditType"] == "STATUS_UPDATE"
    assert entry["employeeId"] == "demo-writer"
    assert entry["source"] == "API"
    assert entry["auditTimestamp"] == invoice["updatedAt"]
    previous = None if source is None else source.value
    assert entry["updatedFields"] == [
        {"fieldName": "invoiceStatus", "fieldOriginalValue": previous}
    ]


@pytest.mark.parametrize("move", FORBIDDEN, ids=case_id)
async def test_status_update_forbidden_move_is_refused_and_changes_nothing(
    serve: ServeFactory, move: tuple[InvoiceStatus | None, InvoiceStatus]
) -> None:
    source, target = move
    client = await serve()
    stored = await stored_invoice(client, status=source)

    data = await client.data(STATUS_UPDATE, {"id": stored.invoiceId, "status": target.name})

    result = data["invoiceStatusUpdate"]
    assert result["invoice"] is None
    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID_TRANSITION", "invoiceStatus")
    assert f"from {state_name(source)} to {target.value}" in error["message"]
    after = await reread(client, stored)
    assert (after.invoiceStatus, after.version, after.auditLogs) == (source, 1, None)


async def test_status_update_with_stale_expected_version_reports_current_version(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.ISSUED)
    moved = await client.data(STATUS_UPDATE, {"id": stored.invoiceId, "status": "CAPTURED"})
    assert moved["invoiceStatusUpdate"]["invoice"]["version"] == 2

    data = await client.data(
        STATUS_UPDATE, {"id": stored.invoiceId, "status": "SETTLED", "expected": 1}
    )

    result = data["invoiceStatusUpdate"]
    assert result["invoice"] is None
    assert result["errors"] == [
        {
            "code": "VERSION_CONFLICT",
            "message": "expectedVersion is 1 but the invoice is at version 2",
            "field": "expectedVersion",
            "currentVersion": 2,
        }
    ]
    after = await reread(client, stored)
    assert (after.invoiceStatus, after.version) == (InvoiceStatus.CAPTURED, 2)


async def test_status_update_with_current_expected_version_lands(serve: ServeFactory) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.ISSUED)

    data = await client.data(
        STATUS_UPDATE, {"id": stored.invoiceId, "status": "CAPTURED", "expected": 1}
    )

    assert data["invoiceStatusUpdate"]["errors"] == []
    assert data["invoiceStatusUpdate"]["invoice"]["version"] == 2


async def test_status_update_of_unknown_or_foreign_invoice_is_not_found(
    serve: ServeFactory,
) -> None:
    client = await serve()
    foreign = await stored_invoice(client, status=InvoiceStatus.ISSUED, account="acme")

    for invoice_id in ("no-such-invoice", foreign.invoiceId):
        data = await client.data(STATUS_UPDATE, {"id": invoice_id, "status": "CAPTURED"})
        [error] = data["invoiceStatusUpdate"]["errors"]
        assert (error["code"], error["field"]) == ("NOT_FOUND", "invoiceId")
        assert invoice_id in error["message"]
    assert (await reread(client, foreign)).version == 1


async def test_status_update_with_expected_version_zero_is_invalid_input(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.ISSUED)

    data = await client.data(
        STATUS_UPDATE, {"id": stored.invoiceId, "status": "CAPTURED", "expected": 0}
    )

    [error] = data["invoiceStatusUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "expectedVersion")
    assert (await reread(client, stored)).version == 1


async def test_status_update_to_unknown_status_is_refused_by_the_schema(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.ISSUED)

    status, body = await client.post(STATUS_UPDATE, {"id": stored.invoiceId, "status": "PAID"})

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "PAID" in error["message"]
    assert (await reread(client, stored)).version == 1


async def test_deleted_invoice_leaves_lookups_and_listing(serve: ServeFactory) -> None:
    client = await serve()
    kept = await stored_invoice(client, status=InvoiceStatus.ISSUED)
    gone = await stored_invoice(client, status=InvoiceStatus.DRAFT)

    data = await client.data(STATUS_UPDATE, {"id": gone.invoiceId, "status": "DELETED"})

    assert data["invoiceStatusUpdate"]["invoice"]["invoiceStatus"] == "DELETED"
    assert (await client.data(INVOICE_STATE, {"id": gone.invoiceId}))["invoice"] is None
    listing = (await client.data(LISTING))["invoices"]
    assert listing["totalCount"] == 1
    assert [edge["node"]["invoiceId"] for edge in listing["edges"]] == [kept.invoiceId]
    # Still stored, and DELETED is terminal.
    assert (await reread(client, gone)).invoiceStatus is InvoiceStatus.DELETED
    again = await client.data(STATUS_UPDATE, {"id": gone.invoiceId, "status": "DRAFT"})
    assert again["invoiceStatusUpdate"]["errors"][0]["code"] == "INVALID_TRANSITION"
