"""Tenant isolation, entry point by entry point: a boundary is never crossed.

Every field that reaches the store (root fields, mutations, and object fields whose
resolver reads the request's context) is probed through every way a request can name its
document (text, APQ hash, documentId; POST and GET), across two boundaries:

- account: a key of globex, whose invoices share ids, numbers and order ids with acme's;
- channel: a key of acme narrowed by `x-site-context` to channel 1, next to channel 2.

Reads: what the caller sees before the other side's data exists and after it is added
(with events of its own) must be identical, while the other side's owner, asking the same,
sees its data. Writes: the other side's documents and events are unchanged, the answer
holds none of its data, and aiming at its invoice answers exactly like an unknown id.
"""

import asyncio
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import GraphQLObjectType

from graph.core_schema import core_schema
from graph.global_ids import invoice_global_id
from graph.http.params import REQUEST_PARAMS
from graph.schema import build_schema
from invoicegraph.app import RESOURCES
from tests.conftest import GraphQLClient, ServeFactory
from tests.security.tenants import (
    CHANNEL_ONE,
    EVERY_SPEC,
    RETURN_C2,
    SERVE_KEYS,
    SHIPPING_C2,
    TRANSPORTS,
    Caller,
    InvoiceSpec,
    seed,
    send,
    sha256,
    trust,
)

GRAPHQL_SCHEMA = core_schema(build_schema())

# Served tests on both backends: the embedded store and a MongoDB-speaking server.
pytestmark = pytest.mark.both_backends

AKINON_PAGE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "akinon-example-page.json"
AKINON_RECORD = json.loads(AKINON_PAGE.read_text())["results"][0]

INVOICE_FIELDS = """
  invoiceId invoiceNumber channelId invoiceTotal attributes
  customer { email } orders { orderId items { sku } }
"""
INVOICE_BY_ID = f"query($id: ID!) {{ invoice(invoiceId: $id) {{ {INVOICE_FIELDS} }} }}"
INVOICE_BY_NUMBER = (
    f"query($number: String!) {{ invoiceByNumber(invoiceNumber: $number) {{ {INVOICE_FIELDS} }} }}"
)
NODE = f"query($id: ID!) {{ node(id: $id) {{ id ... on Invoice {{ {INVOICE_FIELDS} }} }} }}"
INVOICES = f"""
query($filter: InvoiceFilter, $sort: [InvoiceSort!], $first: Int, $last: Int) {{
  invoices(filter: $filter, sort: $sort, first: $first, last: $last) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ {INVOICE_FIELDS} }} }}
  }}
}}
"""
SUMMARY = """
query($filter: InvoiceFilter) {
  invoiceSummary(filter: $filter) {
    count
    groups { invoiceStatus invoiceType currency count invoiceTotal }
    byCurrency { currency count invoiceTotal }
  }
}
"""
EVENTS = """
{ invoiceEvents(first: 100) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { eventId invoiceId version type time changedFields actor } }
} }
"""
RELATED = f"""
query($id: ID!) {{
  invoice(invoiceId: $id) {{ invoiceId relatedInvoices {{ {INVOICE_FIELDS} }} }}
  invoices(first: 10) {{ edges {{ node {{ invoiceId relatedInvoices {{ {INVOICE_FIELDS} }} }} }} }}
}}
"""
EVENT_INVOICES = f"""
{{ invoiceEvents(first: 100) {{
    edges {{ node {{ invoiceId invoice {{ {INVOICE_FIELDS} }} }} }}
}} }}
"""
LOOKUP_IDS = ["INV-1", "INV-3", "INV-9", "INV-404"]
HIDDEN_MARKS = ["buyer@acme-c2.example", "SKU-acme-c2", "ORD-1"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"filter": {"orderId": {"eq": "ORD-1"}}},
    {"filter": {"invoiceNumber": {"in": ["N-1", "N-3", "N-9"]}}},
    {"filter": {"sku": {"eq": "SKU-acme-c2"}}},
    {"filter": {"customerEmail": {"eq": "buyer@acme-c2.example"}}},
    {"filter": {"channelId": {"in": ["1", "2"]}}},
    {"filter": {"invoiceStatus": {"ne": "DELETED"}}, "first": 1},
    {"sort": [{"field": "INVOICE_TOTAL", "direction": "DESC"}], "last": 3},
]

READS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "Query.invoice": [(INVOICE_BY_ID, {"id": i}) for i in LOOKUP_IDS],
    "Query.invoiceByNumber": [
        (INVOICE_BY_NUMBER, {"number": n}) for n in ("N-1", "N-3", "N-9", "N-404")
    ],
    "Query.node": [(NODE, {"id": invoice_global_id(i)}) for i in LOOKUP_IDS],
    "Query.invoices": [(INVOICES, variables) for variables in FILTERS],
    "Query.invoiceSummary": [(SUMMARY, {}), (SUMMARY, {"filter": {"channelId": {"eq": "2"}}})],
    "Query.invoiceEvents": [(EVENTS, {})],
    "Invoice.relatedInvoices": [(RELATED, {"id": "INV-1"}), (RELATED, {"id": "INV-9"})],
    "InvoiceEvent.invoice": [(EVENT_INVOICES, {})],
}

PAYLOAD = "errors { code message field }"
STATUS_UPDATE = f"""
mutation($id: ID!) {{
  invoiceStatusUpdate(invoiceId: $id, invoiceStatus: SETTLED) {{
    invoice {{ invoiceId version invoiceStatus }} {PAYLOAD}
  }}
}}
"""
POST = f"""
mutation($id: ID!) {{
  invoicePost(invoiceId: $id) {{ invoice {{ invoiceId version statusCode }} {PAYLOAD} }}
}}
"""
ACKNOWLEDGE = f"""
mutation($id: ID!) {{
  invoiceAcknowledge(invoiceId: $id, acknowledgedAt: "2024-06-01T00:00:00Z") {{
    invoice {{ invoiceId version statusCode }} {PAYLOAD}
  }}
}}
"""
ATTRIBUTES = f"""
mutation($id: ID!) {{
  invoiceAttributesUpdate(
    invoiceId: $id, attributes: {{touched: "yes"}}, keysToRemove: ["marker"]
  ) {{
    invoice {{ invoiceId version attributes }} {PAYLOAD}
  }}
}}
"""
CREATE = f"""
mutation($input: InvoiceCreateInput!) {{
  invoiceCreate(input: $input) {{ invoice {{ invoiceNumber version channelId }} {PAYLOAD} }}
}}
"""
INGEST = """
mutation($records: [JSON!]!) {
  akinonInvoicesIngest(records: $records) {
    results { position status version reason field }
    stored updated unchanged stale rejected
    errors { code message field }
  }
}
"""


def akinon(record_id: str, channel: str) -> dict[str, Any]:
    record = copy.deepcopy(AKINON_RECORD)
    record.update(id=int(record_id), number=f"AK-{record_id}")
    record["channel"]["id"] = int(channel)
    return record


@dataclass(frozen=True)
class Write:
    """A mutation aimed at one invoice (or source record) by the target's id."""

    document: str
    variables: Callable[[str, str], dict[str, Any]]
    """(target invoiceId, the caller's channel) -> the variables."""
    crosses_channels_like_unknown: bool = True
    """False where uniqueness per account must answer DUPLICATE or CONFLICT in a channel."""


def _by_id(target: str, _channel: str) -> dict[str, Any]:
    return {"id": target}


def _create(target: str, channel: str) -> dict[str, Any]:
    number = target.replace("INV", "N")
    return {"input": {"invoiceId": target, "invoiceNumber": number, "invoiceTotal": "1.00"}}


def _ingest(target: str, channel: str) -> dict[str, Any]:
    # Newer than any stored version, so a record that reached the other side would update it.
    record = akinon(AKINON_IDS[target], channel)
    record["modified_date"] = "2030-01-01T00:00:00.000000Z"
    return {"records": [record]}


AKINON_IDS = {"INV-9": "9009", "INV-404": "4040", "INV-1": "1001"}
"""The Akinon record standing for each target: 9009 is ingested on the other side only."""

WRITES: dict[str, Write] = {
    "Mutation.invoiceStatusUpdate": Write(STATUS_UPDATE, _by_id),
    "Mutation.invoicePost": Write(POST, _by_id),
    "Mutation.invoiceAcknowledge": Write(ACKNOWLEDGE, _by_id),
    "Mutation.invoiceAttributesUpdate": Write(ATTRIBUTES, _by_id),
    "Mutation.invoiceCreate": Write(CREATE, _create, crosses_channels_like_unknown=False),
    "Mutation.akinonInvoicesIngest": Write(INGEST, _ingest, crosses_channels_like_unknown=False),
}


@dataclass(frozen=True)
class Boundary:
    """One side sees `visible`; `hidden` (owned by `owner`) must stay out of its reach."""

    name: str
    caller: Caller
    owner: Caller
    visible: tuple[str, list[InvoiceSpec]]
    hidden: tuple[str, list[InvoiceSpec]]
    hidden_channel: str | None
    hidden_marks: tuple[str, ...]
    """Text only the other side's data holds: markers, its key's name, its invoice ids."""

    @property
    def caller_channel(self) -> str:
        context = self.caller.site_context or {}
        return str(context.get("channel", "1"))


ACCOUNTS = Boundary(
    name="account",
    caller=Caller("globex-all-key"),
    owner=Caller("acme-all-key"),
    visible=("globex", CHANNEL_ONE),
    hidden=("acme", EVERY_SPEC),
    hidden_channel=None,
    hidden_marks=("acme-c", "acme-all", "INV-3", "INV-9"),
)
CHANNELS = Boundary(
    name="channel",
    caller=Caller("acme-all-key", {"account": "acme", "channel": 1, "stage": "production"}),
    owner=Caller("acme-all-key", {"channel": "2"}),
    visible=("acme", CHANNEL_ONE),
    hidden=("acme", [SHIPPING_C2, RETURN_C2]),
    hidden_channel="2",
    hidden_marks=("acme-c2", "INV-3", "INV-9"),
)
BOUNDARIES = [ACCOUNTS, CHANNELS]


def schema_entry_points() -> set[str]:
    """Root fields, and object fields whose resolver takes `info` (it can reach the store)."""
    names = set()
    for type_name, kind in GRAPHQL_SCHEMA.type_map.items():
        if type_name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            is_root = type_name in ("Query", "Mutation", "Subscription")
            if is_root or (resolver is not None and resolver.info_parameter is not None):
                names.add(f"{type_name}.{field_name}")
    return names


STREAMED = {
    "Subscription.invoiceEvents": "tests/live/test_protocol.py: accounts and channels",
}
"""Entry points that only stream over a WebSocket (or SSE): their boundaries are tested there."""

WEBHOOK_ENTRY_POINTS = {
    "Query.webhookSubscriptions",
    "Query.webhookDeliveries",
    "Mutation.webhookSubscriptionCreate",
    "Mutation.webhookSubscriptionDelete",
    "Mutation.webhookSubscriptionEnable",
}
"""Scope admin, which no key here holds: their account and channel boundaries are proven in
tests/webhooks (test_subscriptions.py, test_channels.py, test_delivery.py)."""


def test_matrix_covers_every_entry_point() -> None:
    assert schema_entry_points() - WEBHOOK_ENTRY_POINTS == set(READS) | set(WRITES) | set(STREAMED)
    # Every request parameter that names a document has its transports in the matrix.
    naming = {name for name in REQUEST_PARAMS if name in ("query", "documentId", "extensions")}
    assert naming == {"query", "documentId", "extensions"}
    assert {transport.partition(" ")[2] for transport in TRANSPORTS} == {
        "query",
        "apq",
        "documentId",
    }
    assert set(REQUEST_PARAMS) == {
        "query",
        "variables",
        "operationName",
        "extensions",
        "documentId",
    }


async def touch(client: GraphQLClient, caller: Caller, specs: list[InvoiceSpec]) -> None:
    """Change each invoice once, so the event feed has entries on this side."""
    for spec in specs:
        status, body = await send(client, caller, ATTRIBUTES, {"id": spec.invoice_id})
        assert status == 200, body
        assert body["data"]["invoiceAttributesUpdate"]["errors"] == [], body


async def start(serve: ServeFactory, documents: list[str]) -> GraphQLClient:
    client = await serve(api_keys=SERVE_KEYS)
    await trust(client, documents)
    return client


async def seed_hidden(client: GraphQLClient, boundary: Boundary) -> None:
    account, specs = boundary.hidden
    await seed(client, account, specs)
    await touch(client, boundary.owner, specs[:2])
    status, body = await send(
        client,
        boundary.owner,
        INGEST,
        {"records": [akinon("9009", boundary.hidden_channel or "2")]},
    )
    assert status == 200, body
    assert body["data"]["akinonInvoicesIngest"]["stored"] == 1, body


def text(bodies: Any) -> str:
    return orjson.dumps(bodies).decode()


@pytest.mark.parametrize("entry_point", sorted(READS))
@pytest.mark.parametrize("boundary", BOUNDARIES, ids=lambda boundary: boundary.name)
async def test_read_sees_nothing_across_the_boundary(
    serve: ServeFactory, boundary: Boundary, entry_point: str
) -> None:
    probes = READS[entry_point]
    client = await start(serve, [document for document, _ in probes])
    account, specs = boundary.visible
    await seed(client, account, specs)
    await touch(client, boundary.caller, specs[:1])

    async def answers(caller: Caller) -> list[tuple[str, int, dict[str, Any]]]:
        return [
            (transport, *await send(client, caller, document, variables, transport))
            for transport in TRANSPORTS
            for document, variables in probes
        ]

    alone = await answers(boundary.caller)
    await seed_hidden(client, boundary)
    beside = await answers(boundary.caller)

    assert beside == alone
    for transport, status, body in beside:
        assert status == 200, (transport, body)
        assert "errors" not in body, (transport, body)
    assert not any(mark in text(beside) for mark in boundary.hidden_marks)
    # The same probes do reach the other side's data, for its owner.
    owner_answers = await answers(boundary.owner)
    assert owner_answers != beside
    if entry_point != "Query.invoiceSummary":  # sums and counts carry no marker
        assert any(mark in text(owner_answers) for mark in boundary.hidden_marks)


async def hidden_state(client: GraphQLClient, boundary: Boundary) -> list[Any]:
    """Every stored document of the other side: its invoices and its events.

    Read once its events are all in the feed: the relay moves them there from the invoices
    beside the requests (store/event_relay.py), which is no change of what is stored.
    """
    database = client.http.app[RESOURCES].database
    assert database is not None
    account, _ = boundary.hidden
    relay = client.invoices.events.relay
    async with asyncio.timeout(30):
        while account in await relay.pending_accounts():
            await relay.relay(account)
            await asyncio.sleep(0.05)
    criteria: dict[str, Any] = {"account": account}
    if boundary.hidden_channel is not None:
        criteria["channelId"] = boundary.hidden_channel
    invoices = await database.collection("invoices").find(criteria, {"_id": 0})
    events = await database.collection("invoice_events").find(criteria, {"_id": 0})
    return sorted(invoices, key=lambda d: d["invoiceId"]) + sorted(
        events, key=lambda d: d["eventId"]
    )


def with_target_masked(body: dict[str, Any], target: str) -> str:
    masked = text(body)
    for name in (target, target.replace("INV", "N"), AKINON_IDS.get(target, target)):
        masked = masked.replace(name, "<target>")
    return masked


@pytest.mark.parametrize("entry_point", sorted(WRITES))
@pytest.mark.parametrize("boundary", BOUNDARIES, ids=lambda boundary: boundary.name)
async def test_write_changes_nothing_across_the_boundary(
    serve: ServeFactory, boundary: Boundary, entry_point: str
) -> None:
    write = WRITES[entry_point]
    client = await start(serve, [write.document])
    account, specs = boundary.visible
    await seed(client, account, specs)
    await seed_hidden(client, boundary)
    before = await hidden_state(client, boundary)
    assert before, "the other side has data to protect"

    answers = []
    for transport in ("POST query", "POST apq", "POST documentId"):
        for target in ("INV-9", "INV-404", "INV-1"):
            variables = write.variables(target, boundary.caller_channel)
            status, body = await send(client, boundary.caller, write.document, variables, transport)
            assert status == 200, body
            answers.append((transport, target, body))

    assert await hidden_state(client, boundary) == before
    assert not any(mark in text(answers) for mark in boundary.hidden_marks[:2])
    if boundary is ACCOUNTS or write.crosses_channels_like_unknown:
        # No existence oracle: the other side's invoice answers like one nobody has.
        for transport in ("POST query", "POST apq", "POST documentId"):
            hidden, unknown = (
                with_target_masked(body, target)
                for kind, target, body in answers
                if kind == transport and target in ("INV-9", "INV-404")
            )
            assert hidden == unknown


PRIVATE_DOCUMENT = "query PrivateToAcme { invoices(first: 1) { totalCount } }"
NEVER_REGISTERED = "query NobodysDocument { invoices(first: 1) { totalCount } }"


async def test_apq_registration_is_invisible_to_other_accounts(serve: ServeFactory) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    owner, other = Caller("acme-all-key"), Caller("globex-all-key")
    registration = {
        "query": PRIVATE_DOCUMENT,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(PRIVATE_DOCUMENT)}},
    }
    response = await client.http.post(
        "/graphql", json=registration, headers=owner.request_headers()
    )
    assert response.status == 200
    assert (await send(client, owner, PRIVATE_DOCUMENT, None, "POST apq"))[0] == 200

    for transport in ("POST apq", "GET apq", "POST documentId", "GET documentId"):
        registered = await send(client, other, PRIVATE_DOCUMENT, None, transport)
        unknown = await send(client, other, NEVER_REGISTERED, None, transport)
        masked = text(registered).replace(sha256(PRIVATE_DOCUMENT), "<hash>")
        assert masked == text(unknown).replace(sha256(NEVER_REGISTERED), "<hash>")
        assert registered[0] in (200, 404)
        assert registered[1]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
