"""Webhooks: deliveries per second to a local receiver, and the lag from change to receipt.

    .venv/bin/python -m bench.webhooks

The app runs in this process on the embedded store, its deliverer at the default settings
(16 attempts in flight, 10 s timeout), POSTing to an aiohttp receiver on loopback that
answers 200 at once and checks every signature afterwards with `standardwebhooks`.

- Throughput: a burst of events made while the subscription is disabled, then enabled:
  from enabling to the last receipt (feeding the outbox, leases, signing, POSTs), with
  and without a payload query run per delivery, side by side.
- Lag: changes made one at a time, a few milliseconds apart; the time from each change
  (the event's own time) to its receipt, p50 and p99.
"""

import asyncio
import statistics
import time
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks import Webhook

from bench.report import Section, table
from invoicegraph.app import RESOURCES, create_app
from invoicegraph.settings import ApiKeyConfig, Settings

ADMIN = "bench-webhooks-admin"
WRITER = "bench-webhooks-writer"
CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", invoiceStatus: ISSUED}) {
    errors { code }
  }
}
"""
SUBSCRIBE = """
mutation Subscribe($url: String!, $query: String) {
  webhookSubscriptionCreate(url: $url, query: $query) {
    webhookSubscription { id secret } errors { message }
  }
}
"""
ENABLE = "mutation E($id: ID!) { webhookSubscriptionEnable(id: $id) { errors { code } } }"
PAYLOAD = """
query Payload($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) { invoiceId invoiceNumber version statusCode invoiceTotal }
}
"""


class Receiver:
    """Records when each webhook-id arrived, with its headers and body."""

    def __init__(self) -> None:
        self.arrived: dict[str, tuple[float, dict[str, str], bytes]] = {}
        self.changed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.arrived.setdefault(
            request.headers["webhook-id"], (time.time(), dict(request.headers), body)
        )
        self.changed.set()
        return web.Response(status=200)

    async def wait_for(self, count: int, seconds: float = 300) -> None:
        async with asyncio.timeout(seconds):
            while len(self.arrived) < count:
                self.changed.clear()
                await self.changed.wait()

    def verify(self, secret: str) -> None:
        webhook = Webhook(secret)
        for _, headers, body in self.arrived.values():
            webhook.verify(body, headers)


async def post(http: TestClient, key: str, query: str, variables: dict[str, Any]) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = orjson.loads(await response.read())
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


async def one_run(events: int, payload: bool, lag_events: int) -> dict[str, Any]:
    receiver = Receiver()
    target = web.Application()
    target.router.add_post("/hook", receiver.handle)
    settings = Settings(
        mongodb_uri=None,
        demo_data=False,
        webhook_allow_private_targets=True,
        api_keys=[
            ApiKeyConfig(key=ADMIN, account="bench", scopes=["admin"], name="admin"),
            ApiKeyConfig(key=WRITER, account="bench", scopes=["write"], name="writer"),
        ],
    )
    app = create_app(settings)
    async with TestServer(target, host="127.0.0.1") as sink, TestClient(TestServer(app)) as http:
        url = str(sink.make_url("/hook"))
        made = (
            await post(http, ADMIN, SUBSCRIBE, {"url": url, "query": PAYLOAD if payload else None})
        )["webhookSubscriptionCreate"]["webhookSubscription"]
        webhooks = app[RESOURCES].webhooks
        assert webhooks is not None
        await webhooks.admin.subscriptions.disable(made["id"], "bench: events pile up")
        for number in range(events):
            await post(http, WRITER, CREATE, {"number": f"B-{number}"})
        started = time.perf_counter()
        await post(http, ADMIN, ENABLE, {"id": made["id"]})
        await receiver.wait_for(events)
        burst = time.perf_counter() - started

        for number in range(lag_events):
            await post(http, WRITER, CREATE, {"number": f"L-{number}"})
            await receiver.wait_for(events + number + 1)
            await asyncio.sleep(0.005)
        receiver.verify(made["secret"])
    lags = [
        arrived - datetime.fromisoformat(orjson.loads(body)["timestamp"]).timestamp()
        for arrived, _, body in list(receiver.arrived.values())[events:]
    ]
    return {"rate": events / burst, "lags": sorted(lags)}


def percentile(values: list[float], percent: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1]


async def run(quick: bool = False) -> Section:
    events = 100 if quick else 500
    lag_events = 50 if quick else 200
    bare = await one_run(events, payload=False, lag_events=lag_events)
    with_payload = await one_run(events, payload=True, lag_events=0)
    section = Section("Webhooks: delivery to a loopback receiver (embedded store)")
    section.add("deliveries per second, no payload", bare["rate"], "/s")
    section.add("deliveries per second, payload query", with_payload["rate"], "/s")
    section.add(
        "payload query cost (rate without / with)", bare["rate"] / with_payload["rate"], "x"
    )
    lags = bare["lags"]
    section.add("lag change -> receipt p50", percentile(lags, 50) * 1000, " ms")
    section.add("lag change -> receipt p99", percentile(lags, 99) * 1000, " ms")
    section.notes.append(
        f"{events} events per burst (16 attempts in flight); lag over {lag_events} changes "
        "made one at a time; every signature verified with standardwebhooks"
    )
    section.raw = {"lags_ms": [round(lag * 1000, 2) for lag in lags]}
    return section


def main() -> None:
    print(table([asyncio.run(run())]))


if __name__ == "__main__":
    main()
