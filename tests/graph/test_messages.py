"""Mutation messages a client reads: values as sent, every reason at once, versions, clock skew."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from store.client import StoreUnavailable
from store.domain.enums import InvoiceStatus, StatusCode
from store.invoices import ScopedInvoices
from tests.conftest import ServeFactory
from tests.graph.invoice_states import stored_invoice
from tests.graph.test_mutations_create import CREATE, full_input

STATUS_UPDATE = """
mutation Move($id: ID!, $status: InvoiceStatus!) {
  invoiceStatusUpdate(invoiceId: $id, invoiceStatus: $status) {
    invoice { version }
    errors { code message field currentVersion }
  }
}
"""
ACKNOWLEDGE = """
mutation Ack($id: ID!, $at: DateTime) {
  invoiceAcknowledge(invoiceId: $id, acknowledgedAt: $at) {
    invoice { acknowledgedAt version }
    errors { code message field currentVersion }
  }
}
"""
LOOKUP = 'query Lookup { invoice(invoiceId: "any") { invoiceId } }'
REPR = re.compile(r"Decimal\(|datetime\.|'[^']*'")
"""What a Python repr looks like in a message: Decimal('1.5'), datetime.datetime(, 'text'."""


async def test_create_reports_every_problem_with_values_as_sent(serve: ServeFactory) -> None:
    client = await serve()
    record = full_input()
    record["invoiceTotal"] = "50.0000001"  # invalid on its own
    record["orders"][0]["invoiceOrderTotal"] = "-3"  # its items do not add up to it
    record["invoiceStatus"] = "DELETED"  # no invoice starts deleted
    record["orders"][0]["items"][0]["attributes"] = {"a.b": 1}  # an unsafe key

    errors = (await client.data(CREATE, {"input": record}))["invoiceCreate"]["errors"]

    assert {error["field"]: error["message"] for error in errors} == {
        "invoiceTotal": "invoiceTotal: 50.0000001 has more than 6 decimal places",
        "invoiceStatus": (
            "a new invoice cannot start as DELETED; it can start as CAPTURED, CREDITED, DRAFT, "
            "ISSUED, PARTIAL_SETTLED, SETTLED, SETTLE_FAILED"
        ),
        "orders[0].invoiceOrderTotal": (
            "orders[0].invoiceOrderTotal is -3 but its items' invoiceLineTotal add up to 600 "
            "(off by -603)"
        ),
        "orders[0].items[0].attributes": errors[-1]["message"],
    }
    assert errors[-1]["message"].startswith("key ")
    assert not [error for error in errors[:-1] if REPR.search(error["message"])]


async def test_create_skips_checks_that_read_an_invalid_value(serve: ServeFactory) -> None:
    client = await serve()
    record = full_input()
    record["orders"][0]["invoiceOrderTotal"] = "600.0000001"  # the invoice total is checked on it

    errors = (await client.data(CREATE, {"input": record}))["invoiceCreate"]["errors"]

    assert [error["field"] for error in errors] == ["orders[0].invoiceOrderTotal"]


async def test_invalid_transition_carries_the_current_version(serve: ServeFactory) -> None:
    client = await serve()
    invoice = await stored_invoice(client, InvoiceStatus.CREDITED)

    payload = (await client.data(STATUS_UPDATE, {"id": invoice.invoiceId, "status": "SETTLED"}))[
        "invoiceStatusUpdate"
    ]

    [error] = payload["errors"]
    assert (error["code"], error["currentVersion"]) == ("INVALID_TRANSITION", 1)


async def test_not_found_has_no_current_version(serve: ServeFactory) -> None:
    client = await serve()

    payload = (await client.data(STATUS_UPDATE, {"id": "nope", "status": "SETTLED"}))[
        "invoiceStatusUpdate"
    ]

    assert payload["errors"] == [
        {
            "code": "NOT_FOUND",
            "message": 'no invoice "nope" in this account',
            "field": "invoiceId",
            "currentVersion": None,
        }
    ]


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("skew", "ahead", "accepted"),
    [
        (60.0, timedelta(seconds=30), True),
        (60.0, timedelta(days=1), False),
        (0.0, timedelta(seconds=5), False),
    ],
)
async def test_acknowledged_at_may_be_ahead_only_by_the_clock_skew(
    serve: ServeFactory, skew: float, ahead: timedelta, accepted: bool
) -> None:
    client = await serve(clock_skew_seconds=skew)
    invoice = await stored_invoice(client, code=StatusCode.POSTED, postedAt="2024-03-02T00:00:00Z")
    at = _instant(datetime.now(UTC) + ahead)

    payload = (await client.data(ACKNOWLEDGE, {"id": invoice.invoiceId, "at": at}))[
        "invoiceAcknowledge"
    ]

    if accepted:
        assert payload["errors"] == []
        return
    [error] = payload["errors"]
    assert (error["code"], error["field"], error["currentVersion"]) == (
        "INVALID_INPUT",
        "acknowledgedAt",
        1,
    )
    assert (
        f"is in the future: it may be at most {skew:g} s after the server's clock"
        in (error["message"])
    )


async def test_acknowledged_at_in_2099_is_refused_by_default(serve: ServeFactory) -> None:
    client = await serve()
    invoice = await stored_invoice(client, code=StatusCode.POSTED)

    payload = (
        await client.data(ACKNOWLEDGE, {"id": invoice.invoiceId, "at": "2099-01-01T00:00:00Z"})
    )["invoiceAcknowledge"]

    [error] = payload["errors"]
    assert error["message"].startswith("acknowledgedAt 2099-01-01T00:00:00Z is in the future")


async def test_timestamps_in_messages_are_written_as_in_fields(serve: ServeFactory) -> None:
    client = await serve()
    invoice = await stored_invoice(
        client, code=StatusCode.POSTED, postedAt="2024-03-02T10:00:00.123456Z"
    )

    payload = (
        await client.data(ACKNOWLEDGE, {"id": invoice.invoiceId, "at": "2024-03-01T10:00:00.5Z"})
    )["invoiceAcknowledge"]

    [error] = payload["errors"]
    assert error["message"] == (
        "acknowledgedAt 2024-03-01T10:00:00.500Z is before the invoice was posted "
        "(2024-03-02T10:00:00.123456Z)"
    )


async def test_unavailable_store_answer_carries_the_cost(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def store_down(*_: Any, **__: Any) -> None:
        raise StoreUnavailable("find", AutoReconnect("connection reset"))

    client = await serve()
    monkeypatch.setattr(ScopedInvoices, "get_many", store_down)  # both paths read through it
    headers = {**client.headers(), "Accept": "application/graphql-response+json"}

    response = await client.http.post("/graphql", json={"query": LOOKUP}, headers=headers)

    assert response.status == 503
    answer = await response.json()
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert answer["extensions"]["cost"]["requestedQueryCost"] >= 1
    assert "data" not in answer
