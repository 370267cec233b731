"""invoicePost and invoiceAcknowledge over HTTP: every statusCode move under every status."""

import pytest

from store.domain.enums import InvoiceStatus, StatusCode
from store.domain.instants import parse_instant
from store.domain.lifecycle import DELIVERY_BLOCKED_BY, STATUS_CODE_TRANSITIONS, state_name
from tests.conftest import ServeFactory
from tests.graph.invoice_states import reread, stored_invoice

POST = """
mutation Post($id: ID!, $expected: Int) {
  invoicePost(invoiceId: $id, expectedVersion: $expected) {
    invoice { statusCode postedAt acknowledgedAt version updatedAt
              auditLogs { auditType updatedFields { fieldName fieldOriginalValue } } }
    errors { code message field currentVersion }
  }
}
"""
ACKNOWLEDGE = """
mutation Acknowledge($id: ID!, $at: DateTime, $expected: Int) {
  invoiceAcknowledge(invoiceId: $id, acknowledgedAt: $at, expectedVersion: $expected) {
    invoice { statusCode postedAt acknowledgedAt version updatedAt
              auditLogs { auditType updatedFields { fieldName fieldOriginalValue } } }
    errors { code message field currentVersion }
  }
}
"""
STEPS = {
    StatusCode.POSTED: ("invoicePost", POST),
    StatusCode.ACKNOWLEDGED: ("invoiceAcknowledge", ACKNOWLEDGE),
}
"""The statusCode each mutation moves to; no mutation moves back to CREATED."""

CASES = [
    (status, code, target)
    for status in [None, *InvoiceStatus]
    for code in [None, *StatusCode]
    for target in STEPS
]


def allowed(status: InvoiceStatus | None, code: StatusCode | None, target: StatusCode) -> bool:
    return status not in DELIVERY_BLOCKED_BY and target in STATUS_CODE_TRANSITIONS[code]


def case_id(case: tuple[InvoiceStatus | None, StatusCode | None, StatusCode]) -> str:
    status, code, target = case
    return f"{state_name(status)}:{state_name(code)}->{target.value}"


def test_cases_include_every_move_of_the_table() -> None:
    table = {
        (code, target) for code, targets in STATUS_CODE_TRANSITIONS.items() for target in targets
    }
    assert table <= {(code, target) for _, code, target in CASES}
    assert set(STEPS) == {
        target for targets in STATUS_CODE_TRANSITIONS.values() for target in targets
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_delivery_step_lands_exactly_when_the_table_allows_it(
    serve: ServeFactory, case: tuple[InvoiceStatus | None, StatusCode | None, StatusCode]
) -> None:
    status, code, target = case
    client = await serve()
    posted_at = (
        "2024-03-02T08:00:00Z" if code in (StatusCode.POSTED, StatusCode.ACKNOWLEDGED) else None
    )
    stored = await stored_invoice(client, status=status, code=code, postedAt=posted_at)
    name, document = STEPS[target]

    result = (await client.data(document, {"id": stored.invoiceId}))[name]

    after = await reread(client, stored)
    if allowed(status, code, target):
        assert result["errors"] == []
        invoice = result["invoice"]
        assert (invoice["statusCode"], invoice["version"]) == (target.value, 2)
        stamp = "postedAt" if target is StatusCode.POSTED else "acknowledgedAt"
        assert invoice[stamp] == invoice["updatedAt"]  # now, as the change was made
        [entry] = invoice["auditLogs"]
        assert entry["auditType"] == ("POST" if target is StatusCode.POSTED else "ACKNOWLEDGE")
        assert entry["updatedFields"] == [
            {"fieldName": "statusCode", "fieldOriginalValue": None if code is None else code.value},
            {"fieldName": stamp, "fieldOriginalValue": None},
        ]
        assert (after.statusCode, after.version) == (target, 2)
    else:
        assert result["invoice"] is None
        [error] = result["errors"]
        assert (error["code"], error["field"]) == ("INVALID_TRANSITION", "statusCode")
        assert (
            f"statusCode cannot move from {state_name(code)} to {target.value}" in error["message"]
        )
        assert (after.statusCode, after.version, after.auditLogs) == (code, 1, None)


async def test_acknowledge_keeps_the_given_time(serve: ServeFactory) -> None:
    client = await serve()
    stored = await stored_invoice(
        client,
        status=InvoiceStatus.CAPTURED,
        code=StatusCode.POSTED,
        postedAt="2024-03-02T08:00:00Z",
    )

    result = (
        await client.data(
            ACKNOWLEDGE, {"id": stored.invoiceId, "at": "2024-03-02T10:15:30.123456789+02:00"}
        )
    )["invoiceAcknowledge"]

    assert result["errors"] == []
    assert result["invoice"]["acknowledgedAt"] == "2024-03-02T08:15:30.123456789Z"
    assert (await reread(client, stored)).acknowledgedAt == parse_instant(
        "2024-03-02T08:15:30.123456789Z"
    )


async def test_acknowledge_before_posting_time_is_invalid_input(serve: ServeFactory) -> None:
    client = await serve()
    stored = await stored_invoice(
        client,
        status=InvoiceStatus.CAPTURED,
        code=StatusCode.POSTED,
        postedAt="2024-03-02T08:00:00Z",
    )

    result = (
        await client.data(ACKNOWLEDGE, {"id": stored.invoiceId, "at": "2024-03-02T07:59:59Z"})
    )["invoiceAcknowledge"]

    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "acknowledgedAt")
    assert "2024-03-02T08:00:00" in error["message"]
    assert (await reread(client, stored)).version == 1


async def test_post_then_acknowledge_with_expected_versions(serve: ServeFactory) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.ISSUED, code=StatusCode.CREATED)

    posted = (await client.data(POST, {"id": stored.invoiceId, "expected": 1}))["invoicePost"]
    stale = (await client.data(ACKNOWLEDGE, {"id": stored.invoiceId, "expected": 1}))[
        "invoiceAcknowledge"
    ]
    acknowledged = (await client.data(ACKNOWLEDGE, {"id": stored.invoiceId, "expected": 2}))[
        "invoiceAcknowledge"
    ]

    assert posted["invoice"]["statusCode"] == "POSTED"
    assert [(e["code"], e["currentVersion"]) for e in stale["errors"]] == [("VERSION_CONFLICT", 2)]
    assert acknowledged["invoice"]["statusCode"] == "ACKNOWLEDGED"
    assert acknowledged["invoice"]["version"] == 3
    assert [entry["auditType"] for entry in acknowledged["invoice"]["auditLogs"]] == [
        "POST",
        "ACKNOWLEDGE",
    ]
