"""graphql-transport-ws on /graphql, message by message, over a real socket (aiohttp's client).

Authentication and its close codes, tenancy, the limits (per key, per process, depth and
cost, trusted documents only), keep-alive pings and a slow consumer's disconnection.
"""

import asyncio
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType

from graph.resolvers.pagination import encode_cursor
from invoicegraph.app import GRAPHQL_VIEW
from invoicegraph.settings import ApiKeyConfig
from seeds.fabric import fabric_invoice
from store.domain.changes import AttributesUpdate
from store.domain.documents import InvoiceSource
from store.domain.events import EVENT_ORDER
from store.invoice_writer import InvoiceWriter
from store.invoices import Scope
from tests.conftest import TEST_KEYS, GraphQLClient, ServeFactory
from tests.live.conftest import SUBSCRIPTION, create, open_subscriptions, tag

PROTOCOL = "graphql-transport-ws"
INGEST_ONLY = ApiKeyConfig(key="ingest-only-key", account="demo", scopes=["ingest"], name="feeder")
ACME = ApiKeyConfig(key="acme-writer-key", account="acme", scopes=["read", "write"], name="acme")
PARTNER = ApiKeyConfig(
    key="partner-persisted-key", account="demo", scopes=["read", "persisted-only"], name="partner"
)
KEYS = [*TEST_KEYS, INGEST_ONLY, ACME, PARTNER]
FROM_THE_START = {"after": encode_cursor(EVENT_ORDER, [0])}
"""Variables of a subscription on a fresh server that resumes before its first event: it
gets the events written after it was sent whenever the server starts reading (no race)."""


async def connect(
    client: GraphQLClient, payload: dict[str, Any] | None = None, **headers: str
) -> ClientWebSocketResponse:
    socket_ = await client.http.ws_connect("/graphql", protocols=[PROTOCOL], headers=headers)
    if payload is not None:
        await socket_.send_json({"type": "connection_init", "payload": payload})
    return socket_


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def message(socket_: ClientWebSocketResponse, seconds: float = 5) -> dict[str, Any]:
    """The next protocol message, answering the server's keep-alive pings on the way."""
    while True:
        received = await socket_.receive(timeout=seconds)
        assert received.type == WSMsgType.TEXT, received
        decoded: dict[str, Any] = orjson.loads(received.data)
        if decoded["type"] != "ping":
            return decoded
        await socket_.send_json({"type": "pong"})


async def closed_with(socket_: ClientWebSocketResponse) -> tuple[int | None, str]:
    received = await socket_.receive(timeout=5)
    while received.type == WSMsgType.TEXT:
        received = await socket_.receive(timeout=5)
    assert received.type == WSMsgType.CLOSE, received
    return socket_.close_code, received.extra or ""


async def acknowledged(client: GraphQLClient, key: str = "demo-key", **extra: Any) -> Any:
    socket_ = await connect(client, {**bearer(key), **extra})
    assert (await message(socket_))["type"] == "connection_ack"
    return socket_


async def subscribe(
    socket_: ClientWebSocketResponse, operation_id: str = "1", **payload: Any
) -> None:
    payload.setdefault("query", SUBSCRIPTION)
    await socket_.send_json({"id": operation_id, "type": "subscribe", "payload": payload})


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, 4401),
        (bearer("no-such-key-at-all"), 4401),
        (bearer(INGEST_ONLY.key), 4403),
        ({**bearer("demo-key"), "x-site-context": {"account": "acme"}}, 4403),
    ],
)
async def test_connection_init_refusals_close_with_their_codes(
    serve: ServeFactory, payload: dict[str, Any], code: int
) -> None:
    client = await serve(api_keys=KEYS)
    socket_ = await connect(client, payload)

    assert (await closed_with(socket_))[0] == code


async def test_protocol_breaches_close_with_their_codes(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, subscription_init_timeout_seconds=0.2)
    early = await connect(client)
    await subscribe(early)
    assert (await closed_with(early))[0] == 4401  # subscribe before connection_init
    silent = await connect(client)
    assert (await closed_with(silent))[0] == 4408  # no connection_init in time
    twice = await acknowledged(client)
    await twice.send_json({"type": "connection_init", "payload": bearer("demo-key")})
    assert (await closed_with(twice))[0] == 4429
    unknown = await acknowledged(client)
    await unknown.send_json({"type": "shout"})
    assert (await closed_with(unknown))[0] == 4400
    no_protocol = await client.http.ws_connect("/graphql")
    assert (await closed_with(no_protocol))[0] == 4406
    duplicate = await acknowledged(client)
    await subscribe(duplicate, "same")
    await subscribe(duplicate, "same")
    assert (await closed_with(duplicate))[0] == 4409


async def test_key_on_the_upgrade_request_works_too(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS)
    socket_ = await connect(client, {}, Authorization="Bearer demo-key")

    assert (await message(socket_))["type"] == "connection_ack"


async def test_each_account_receives_its_own_events_only(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, subscription_poll_seconds=0.1)
    demo = await acknowledged(client)
    acme = await acknowledged(client, ACME.key)
    await subscribe(demo, variables=FROM_THE_START)
    await subscribe(acme, variables=FROM_THE_START)

    demo_invoice = await create(client, "D-1")
    client.key = ACME.key
    acme_invoice = await create(client, "A-1")
    await tag(client, acme_invoice, "x")

    assert (await message(demo))["payload"]["data"]["invoiceEvents"]["node"]["invoiceId"] == (
        demo_invoice
    )
    received = [(await message(acme))["payload"]["data"]["invoiceEvents"] for _ in range(2)]
    assert [edge["node"]["invoiceId"] for edge in received] == [acme_invoice, acme_invoice]
    with pytest.raises(TimeoutError):
        await message(demo, seconds=0.5)  # acme's events never reach demo


async def test_site_context_channel_narrows_the_stream(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, subscription_poll_seconds=0.1)
    narrowed = await acknowledged(client, **{"x-site-context": {"channel": 7}})
    await subscribe(narrowed, variables=FROM_THE_START)
    store = client.invoices.scoped(Scope("demo"))
    for channel, number in (("3", "C-3"), ("7", "C-7")):
        record = {"invoiceNumber": number, "invoiceTotal": "1.00", "channelId": channel}
        invoice = fabric_invoice(record, "demo", source_system="erp")
        source = InvoiceSource(system="erp", id=number)
        await store.upsert_from_source([invoice.model_copy(update={"source": source})], "erp")

    edge = (await message(narrowed))["payload"]["data"]["invoiceEvents"]
    assert edge["node"]["type"] == "CREATE"
    stored = await store.get_by_number("C-7")
    assert stored is not None
    assert edge["node"]["invoiceId"] == stored["invoiceId"]
    with pytest.raises(TimeoutError):
        await message(narrowed, seconds=0.5)


async def test_subscriptions_per_key_and_per_process_are_limited(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, subscription_max_per_key=1, subscription_max_per_process=2)
    first = await acknowledged(client)
    await subscribe(first, "a")
    await open_subscriptions(client, 1)
    await subscribe(first, "b")
    refused = await message(first)
    assert (refused["id"], refused["type"]) == ("b", "error")
    assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    other = await acknowledged(client, ACME.key)
    await subscribe(other, "c")
    await open_subscriptions(client, 2)
    third = await acknowledged(client, "demo-writer-key")
    await subscribe(third, "d")
    assert (await message(third))["payload"][0]["message"].startswith("This server holds 2")

    await first.send_json({"id": "a", "type": "complete"})
    await open_subscriptions(client, 1)
    await subscribe(first, "e")  # the key's slot is free again
    with pytest.raises(TimeoutError):
        await message(first, seconds=0.3)  # no error: it runs


async def test_server_sends_keep_alive_pings(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, subscription_keepalive_seconds=0.1)
    socket_ = await acknowledged(client)

    received = orjson.loads((await socket_.receive(timeout=2)).data)

    assert received["type"] == "ping"
    await socket_.send_json({"type": "ping"})
    while (answer := orjson.loads((await socket_.receive(timeout=2)).data))["type"] == "ping":
        pass
    assert answer["type"] == "pong"


async def test_depth_and_cost_limits_apply_per_event(serve: ServeFactory) -> None:
    client = await serve(api_keys=KEYS, max_query_depth=5, max_query_cost=3)
    socket_ = await acknowledged(client)
    await subscribe(
        socket_,
        "deep",
        query="subscription { invoiceEvents { node { invoice { relatedInvoices { orders { "
        "items { sku } } } } } } }",
    )
    deep = await message(socket_)
    assert deep["type"] == "error"
    assert deep["payload"][0]["extensions"]["limit"] == "depth", deep
    await subscribe(
        socket_,
        "costly",
        query="subscription { invoiceEvents { node { invoice { "
        "relatedInvoices { invoiceId } } } } }",  # costs 4
    )
    costly = await message(socket_)
    assert costly["type"] == "error"
    assert costly["payload"][0]["extensions"]["limit"] == "cost"

    await subscribe(
        socket_,
        "priced",
        query="subscription($after: String) { invoiceEvents(after: $after) { cursor } }",
        variables=FROM_THE_START,
    )
    writer = InvoiceWriter(client.invoices.scoped(Scope("demo")), "writer")  # mutations cost 12
    created = await writer.create(
        fabric_invoice({"invoiceNumber": "P-1", "invoiceTotal": "1.00"}, "demo")
    )
    await writer.apply(created.invoiceId, AttributesUpdate({"x": 1}, []))
    for _ in range(2):
        event = await message(socket_)
        assert event["id"] == "priced"
        # Priced for one event, not for a page: the edge and its cursor.
        assert event["payload"]["extensions"]["cost"]["requestedQueryCost"] == 1


async def test_a_persisted_only_key_subscribes_with_trusted_documents_only(
    serve: ServeFactory, tmp_path: Path
) -> None:
    text = (
        "subscription Trusted($after: String) {\n"
        "  invoiceEvents(after: $after) {\n    cursor\n  }\n}"
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    path = tmp_path / "manifest.json"
    operation = {"id": digest, "name": "Trusted", "type": "subscription", "body": text}
    path.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    client = await serve(api_keys=KEYS, trusted_documents=str(path), subscription_poll_seconds=0.1)
    socket_ = await acknowledged(client, PARTNER.key)

    await subscribe(socket_, "text")
    refused = await message(socket_)
    assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    await socket_.send_json(
        {
            "id": "trusted",
            "type": "subscribe",
            "payload": {"documentId": f"sha256:{digest}", "variables": FROM_THE_START},
        }
    )
    await create(client, "T-1")
    assert (await message(socket_))["id"] == "trusted"


async def test_a_slow_consumer_is_disconnected_with_a_reason(serve: ServeFactory) -> None:
    """A client that stops reading: the bounded queue fills, and the server closes."""
    client = await serve(
        api_keys=KEYS,
        subscription_buffer_messages=4,
        subscription_slow_consumer_seconds=0.5,
        subscription_write_buffer_bytes=4096,
        subscription_socket_buffer_bytes=4096,
    )
    store = client.invoices.scoped(Scope("demo"))
    backlog = []
    for number in range(600):
        invoice = fabric_invoice(
            {"invoiceNumber": f"B-{number}", "invoiceTotal": "1.00"}, "demo", source_system="erp"
        )
        source = InvoiceSource(system="erp", id=f"b-{number}")
        backlog.append(invoice.model_copy(update={"source": source}))
    await store.upsert_from_source(backlog, "erp")
    host, port = client.http.server.host, client.http.server.port
    reader, writer = await raw_subscription(host, port)  # reads nothing from here on
    # Until the server has given up on it: its slot is released once the connection closed
    # (a wait on what the server did, however loaded the machine is).
    live = client.http.app[GRAPHQL_VIEW].live
    assert live is not None
    async with asyncio.timeout(60):
        while live.open == 0:  # noqa: ASYNC110 - the count has no event to wait on
            await asyncio.sleep(0.05)
        while live.open:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    # Now read: the messages the socket held, then the close frame and its reason.
    code, reason = await read_until_close(reader)
    writer.close()
    assert code == 1008
    assert reason.startswith("Slow consumer: 4 messages waited more than 0.5 s")


async def raw_subscription(host: str, port: int) -> tuple[asyncio.StreamReader, Any]:
    """A WebSocket client on a socket with a small receive buffer, subscribed from the start."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (host, port))
    # A small stream buffer too: the client stops reading from the socket once it is full.
    reader, writer = await asyncio.open_connection(sock=raw, limit=1024)
    writer.write(
        (
            f"GET /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {PROTOCOL}\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    first = encode_cursor(EVENT_ORDER, [0])  # the cursor before the first event
    for payload in (
        {"type": "connection_init", "payload": bearer("demo-key")},
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIPTION, "variables": {"after": first}},
        },
    ):
        writer.write(masked_text_frame(orjson.dumps(payload)))
    await writer.drain()
    return reader, writer


def masked_text_frame(data: bytes) -> bytes:
    mask = b"\x01\x02\x03\x04"
    header = bytearray([0x81])
    if len(data) < 126:
        header.append(0x80 | len(data))
    else:
        header += bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
    return bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def read_until_close(reader: asyncio.StreamReader) -> tuple[int, str]:
    while True:
        head = await asyncio.wait_for(reader.readexactly(2), 10)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(await reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await reader.readexactly(8), "big")
        body = await reader.readexactly(length)
        if opcode == 0x8:
            return int.from_bytes(body[:2], "big"), body[2:].decode()


async def test_metrics_count_open_subscriptions_deliveries_and_their_lag(
    serve: ServeFactory,
) -> None:
    client = await serve(api_keys=KEYS, subscription_poll_seconds=0.1)
    socket_ = await acknowledged(client)
    await subscribe(socket_, variables=FROM_THE_START)
    await create(client, "M-1")
    await message(socket_)

    metrics = await (await client.http.get("/metrics")).text()

    assert "invoicegraph_subscriptions_open 1.0" in metrics
    assert "invoicegraph_subscription_events_delivered_total 1.0" in metrics
    assert "invoicegraph_subscription_delivery_lag_seconds_count 1.0" in metrics
    assert "invoicegraph_events_relayed_total 1.0" in metrics
    await socket_.close()
    await open_subscriptions(client, 0)
    closed = await (await client.http.get("/metrics")).text()
    assert "invoicegraph_subscriptions_open 0.0" in closed


async def test_a_subscription_over_http_is_refused_with_where_to_send_it(
    serve: ServeFactory,
) -> None:
    client = await serve(api_keys=KEYS)

    status, body = await client.post(SUBSCRIPTION)

    assert status == 400
    assert body["errors"][0]["message"].startswith("Subscriptions run over a WebSocket")
