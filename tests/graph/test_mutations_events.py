"""invoiceEvents over HTTP: every change once, gap-free and in version order for each invoice."""

from collections import defaultdict
from typing import Any

from invoicegraph.settings import ApiKeyConfig
from store.domain.enums import InvoiceStatus, StatusCode
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.invoice_states import stored_invoice

CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", invoiceStatus: ISSUED}) {
    invoice { invoiceId }
    errors { code message }
  }
}
"""
CHANGES = """
mutation Changes($id: ID!, $key: String!) {
  post: invoicePost(invoiceId: $id) { errors { code } }
  capture: invoiceStatusUpdate(invoiceId: $id, invoiceStatus: CAPTURED) { errors { code } }
  tag: invoiceAttributesUpdate(invoiceId: $id, attributes: {tagged: true}, keysToRemove: [$key]) {
    errors { code }
  }
}
"""
ACKNOWLEDGE = """
mutation Acknowledge($id: ID!) { invoiceAcknowledge(invoiceId: $id) { errors { code } } }
"""
DELETE = """
mutation Delete($id: ID!) {
  invoiceStatusUpdate(invoiceId: $id, invoiceStatus: DELETED) { errors { code } }
}
"""
EVENTS = """
query Events($first: Int, $after: String) {
  invoiceEvents(first: $first, after: $after) {
    edges { cursor node { eventId invoiceId version type time changedFields actor
                          invoice { invoiceId version } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
AUDIT = "query Audit($id: ID!) { invoice(invoiceId: $id) { version auditLogs { auditId } } }"


async def all_events(client: GraphQLClient, page_size: int) -> list[dict[str, Any]]:
    """The whole feed, walked page by page with the end cursors."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await client.data(EVENTS, {"first": page_size, "after": after}))["invoiceEvents"]
        events += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


async def test_events_are_gap_free_and_in_version_order_per_invoice(serve: ServeFactory) -> None:
    client = await serve()
    client.key = "demo-writer-key"
    created = []
    for number in range(3):
        data = await client.data(CREATE, {"number": f"EV-{number}"})
        created.append(data["invoiceCreate"]["invoice"]["invoiceId"])
    ingested = await stored_invoice(client, status=InvoiceStatus.ISSUED, code=StatusCode.CREATED)
    # Interleave the invoices' changes.
    for invoice_id in [*created, ingested.invoiceId]:
        await client.data(CHANGES, {"id": invoice_id, "key": "absent"})
    for invoice_id in reversed(created):
        await client.data(ACKNOWLEDGE, {"id": invoice_id})
    await client.data(DELETE, {"id": ingested.invoiceId})  # CAPTURED -> DELETED is refused

    events = await all_events(client, page_size=4)

    by_invoice: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_invoice[event["invoiceId"]].append(event)
    for invoice_id in created:
        mine = by_invoice[invoice_id]
        assert [event["version"] for event in mine] == [1, 2, 3, 4, 5]
        assert [event["type"] for event in mine] == [
            "CREATE",
            "POST",
            "STATUS_UPDATE",
            "ATTRIBUTES_UPDATE",
            "ACKNOWLEDGE",
        ]
        # Removing a key it never had changes nothing: only "tagged" is a change.
        assert mine[3]["changedFields"] == ["attributes.tagged"]
        audit = (await client.data(AUDIT, {"id": invoice_id}))["invoice"]
        assert [event["eventId"] for event in mine] == [e["auditId"] for e in audit["auditLogs"]]
        assert all(event["invoice"] == {"invoiceId": invoice_id, "version": 5} for event in mine)
    # An ingested invoice's events start after the version it was stored with.
    assert [event["version"] for event in by_invoice[ingested.invoiceId]] == [2, 3, 4]
    assert len(events) == 3 * 5 + 3
    times = [event["time"] for event in events]
    assert times == sorted(times)
    assert {event["actor"] for event in events} == {"demo-writer"}


async def test_events_show_only_the_callers_account(serve: ServeFactory) -> None:
    client = await serve(
        api_keys=[ApiKeyConfig(key="acme-writer-key", account="acme", scopes=["read", "write"])]
    )
    await client.data(CREATE, {"number": "DEMO-1"})
    client.key = "acme-writer-key"
    await client.data(CREATE, {"number": "ACME-1"})

    acme = (await client.data(EVENTS))["invoiceEvents"]["edges"]
    client.key = "demo-key"
    demo = (await client.data(EVENTS))["invoiceEvents"]["edges"]

    assert len(acme) == len(demo) == 1
    assert acme[0]["node"]["invoiceId"] != demo[0]["node"]["invoiceId"]


async def test_events_of_a_deleted_invoice_stay_but_lose_their_invoice(
    serve: ServeFactory,
) -> None:
    client = await serve()
    stored = await stored_invoice(client, status=InvoiceStatus.DRAFT)
    await client.data(DELETE, {"id": stored.invoiceId})

    [edge] = (await client.data(EVENTS))["invoiceEvents"]["edges"]

    assert (edge["node"]["type"], edge["node"]["invoice"]) == ("STATUS_UPDATE", None)


async def test_events_page_arguments_are_checked(serve: ServeFactory) -> None:
    client = await serve()
    for variables, argument in (
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"after": "not-a-cursor"}, "after"),
    ):
        status, body = await client.post(EVENTS, variables)
        assert status == 200
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert f"'{argument}'" in error["message"]
