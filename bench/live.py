"""Live changes: 100 subscribers over WebSocket, half of the changing account, half of another.

    .venv/bin/python -m bench.live [--changes N]

The app is served on a loopback port in this process; 50 subscribers hold a key of the
account whose invoices change, 50 a key of another account. Changes are made through
/graphql (attribute updates, a few at a time). Reported: the delivery lag (from the change's
time to the subscriber holding the event, p50 and p99, all subscribers' deliveries), the
events each subscriber of the changing account received (each must get every event once,
in order), and the events delivered to the other account's subscribers (must be 0).
Subscribers and server share one event loop and 2 cores: the lag includes the clients'
own work, so it is an upper bound of the server's.
"""

import argparse
import asyncio
import contextlib
import statistics
import time
from datetime import datetime
from typing import Any

import orjson
from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType, web

from bench.report import Section, table
from invoicegraph.app import create_app
from invoicegraph.settings import ApiKeyConfig, Settings

CHANGING, OTHER = "demo", "acme"
WRITER = ApiKeyConfig(key="bench-live-writer", account=CHANGING, scopes=["read", "write"])
READER = ApiKeyConfig(key="bench-live-reader", account=CHANGING, scopes=["read"], name="r")
STRANGER = ApiKeyConfig(key="bench-live-stranger", account=OTHER, scopes=["read"], name="s")
SUBSCRIBERS = 100
CHANGES = 300
INVOICES = 10
SUBSCRIPTION = "subscription { invoiceEvents { cursor node { invoiceId version time } } }"
TAG = """
mutation Tag($id: ID!, $n: Int!) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: {n: $n}) { errors { code } }
}
"""
CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "1.00"}) { invoice { invoiceId } }
}
"""


def instant_seconds(instant: str) -> float:
    return datetime.fromisoformat(instant[:26] + "+00:00").timestamp()


class Subscriber:
    """One WebSocket subscription and what it received."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.received: list[tuple[str, int]] = []
        self.lags: list[float] = []

    async def run(self, socket: ClientWebSocketResponse, ready: asyncio.Event) -> None:
        ready.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                return
            decoded = orjson.loads(message.data)
            if decoded["type"] == "ping":
                await socket.send_json({"type": "pong"})
            elif decoded["type"] == "next":
                node = decoded["payload"]["data"]["invoiceEvents"]["node"]
                self.received.append((node["invoiceId"], node["version"]))
                self.lags.append(time.time() - instant_seconds(node["time"]))


async def subscribe(session: ClientSession, url: str, key: str) -> ClientWebSocketResponse:
    socket = await session.ws_connect(url, protocols=["graphql-transport-ws"])
    await socket.send_json(
        {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
    )
    ack = await socket.receive_json(timeout=10)
    assert ack["type"] == "connection_ack", ack
    await socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    return socket


async def measure(changes: int) -> Section:
    settings = Settings(
        mongodb_uri=None,
        demo_data=False,
        api_keys=[WRITER, READER, STRANGER],
        subscription_max_per_key=SUBSCRIBERS,
        subscription_poll_seconds=1.0,
    )
    runner = web.AppRunner(create_app(settings), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}/graphql"
    subscribers = [Subscriber(CHANGING if n % 2 == 0 else OTHER) for n in range(SUBSCRIBERS)]
    tasks: list[asyncio.Task[None]] = []
    try:
        # Two sessions: the subscribers' sockets would take every connection of one pool.
        async with ClientSession() as session, ClientSession() as writer:
            headers = {"Authorization": f"Bearer {WRITER.key}"}

            async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
                response = await writer.post(
                    base, json={"query": query, "variables": variables}, headers=headers
                )
                body: dict[str, Any] = await response.json()
                assert "errors" not in body, body
                return body["data"]

            ids = [
                (await post(CREATE, {"number": f"L-{n}"}))["invoiceCreate"]["invoice"]["invoiceId"]
                for n in range(INVOICES)
            ]
            for subscriber in subscribers:
                key = READER.key if subscriber.account == CHANGING else STRANGER.key
                socket = await subscribe(session, base, key)
                ready = asyncio.Event()
                tasks.append(asyncio.create_task(subscriber.run(socket, ready)))
                await ready.wait()
            await asyncio.sleep(1.5)  # every subscription has read the feed once: "from now"
            started = time.perf_counter()
            versions = dict.fromkeys(ids, 1)

            async def change(n: int) -> None:
                invoice_id = ids[n % INVOICES]
                await post(TAG, {"id": invoice_id, "n": n})

            for first in range(0, changes, 5):
                await asyncio.gather(*(change(n) for n in range(first, min(first + 5, changes))))
            for n in range(changes):
                versions[ids[n % INVOICES]] += 1
            async with asyncio.timeout(60):
                while any(len(s.received) < changes for s in subscribers if s.account == CHANGING):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(1.5)  # anything stray to the other account would arrive now
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        await runner.cleanup()
    return report(subscribers, changes, elapsed, versions)


def report(
    subscribers: list[Subscriber], changes: int, elapsed: float, versions: dict[str, int]
) -> Section:
    mine = [s for s in subscribers if s.account == CHANGING]
    others = [s for s in subscribers if s.account == OTHER]
    lags = sorted(lag for s in mine for lag in s.lags)
    complete = sum(
        1
        for s in mine
        if len(s.received) == changes
        and len(set(s.received)) == changes
        and all(
            [v for i, v in s.received if i == invoice_id] == list(range(2, last + 1))
            for invoice_id, last in versions.items()
        )
    )
    section = Section(f"Live changes: {len(subscribers)} subscribers, {changes} changes")
    section.add("subscribers of the changing account", len(mine), "count")
    section.add("  each received every event once, in version order", complete, "count")
    section.add("event delivery lag p50", statistics.median(lags) * 1000, " ms")
    section.add("event delivery lag p99", lags[int(len(lags) * 0.99) - 1] * 1000, " ms")
    section.add(
        "events delivered to the other account's subscribers",
        sum(len(s.received) for s in others),
        "count",
    )
    section.add("deliveries per second", len(lags) / elapsed, "/s")
    section.notes.append(
        "lag: from the change's time (the event's `time`) to the subscriber holding the "
        "event; server and 100 clients share one event loop"
    )
    section.raw = {"lags_ms": [round(lag * 1000, 3) for lag in lags[:: max(1, len(lags) // 200)]]}
    return section


async def run(quick: bool) -> Section:
    return await measure(60 if quick else CHANGES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=CHANGES)
    args = parser.parse_args()
    print(table([asyncio.run(measure(args.changes))]))


if __name__ == "__main__":
    main()
