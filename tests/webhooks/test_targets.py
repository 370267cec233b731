"""Target addresses: which are refused, and a name that rebinds to loopback after its check."""

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from graph.webhooks.targets import TargetPolicy, TargetRefused, address_refusal
from invoicegraph.app import RESOURCES
from tests.conftest import ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    DELIVERIES,
    ReceiverFactory,
    as_key,
    create_invoices,
    subscribe,
)


class TableResolver(AbstractResolver):
    """Answers names from a table the test changes (a DNS server that rebinds)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked = 0

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> Any:
        self.asked += 1
        if host not in self.table:
            raise OSError(f"{host} does not resolve")
        address = self.table[host]
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "a reserved (not public) address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_addresses_are_classified(address: str, kind: str | None) -> None:
    assert address_refusal(address) == kind


async def test_allowing_private_targets_still_wants_http() -> None:
    policy = TargetPolicy(allow_private=True)
    await policy.check("http://127.0.0.1:1/hook")
    with pytest.raises(TargetRefused, match="http:// or https://"):
        await policy.check("file:///etc/passwd")


async def test_a_name_rebound_to_loopback_after_its_check_gets_nothing(
    serve_webhooks: ServeFactory, receiver: ReceiverFactory
) -> None:
    hook, url = await receiver()
    port = url.split(":")[2].split("/")[0]
    client = await serve_webhooks(webhook_allow_private_targets=False)
    webhooks = client.http.app[RESOURCES].webhooks
    assert webhooks is not None
    resolver = TableResolver({"partner.test": "93.184.216.34"})
    webhooks.admin.policy.resolver = resolver  # the deliverer shares the policy
    admin = as_key(client, ADMIN_KEY)
    made = await subscribe(admin, f"http://partner.test:{port}/hook")

    resolver.table["partner.test"] = "127.0.0.1"  # the name now points at us
    await create_invoices(client, ["D-1"])
    async with asyncio.timeout(10):
        while True:
            edges = (await admin.data(DELIVERIES, {"id": made["id"]}))["webhookDeliveries"]
            errors = [edge["node"]["lastError"] for edge in edges["edges"]]
            if errors and errors[0]:
                break
            await asyncio.sleep(0.05)
    assert errors[0].startswith("target refused: partner.test resolves to 127.0.0.1")
    assert hook.received == []
    assert resolver.asked >= 2  # checked again at delivery, not remembered


async def test_redirects_are_not_followed(
    serve_webhooks: ServeFactory, aiohttp_server: Any
) -> None:
    followed: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=307, headers={"Location": "/elsewhere"})

    async def elsewhere(request: web.Request) -> web.Response:
        followed.append(request.path)
        return web.Response(status=200)

    target = web.Application()
    target.router.add_post("/hook", moved)
    target.router.add_post("/elsewhere", elsewhere)
    server = await aiohttp_server(target, host="127.0.0.1")
    client = await serve_webhooks()
    admin = as_key(client, ADMIN_KEY)
    made = await subscribe(admin, f"http://127.0.0.1:{server.port}/hook")
    await create_invoices(client, ["M-1"])
    async with asyncio.timeout(10):
        while True:
            edges = (await admin.data(DELIVERIES, {"id": made["id"]}))["webhookDeliveries"]
            nodes = [edge["node"] for edge in edges["edges"]]
            if nodes and nodes[0]["attempts"] >= 2:
                break
            await asyncio.sleep(0.05)
    assert nodes[0]["status"] == "PENDING"
    assert nodes[0]["lastStatusCode"] == 307
    assert nodes[0]["lastError"] == "answered HTTP 307 (redirects are not followed)"
    assert followed == []
    metrics = await (await client.http.get("/metrics")).text()
    [age] = [
        float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith("invoicegraph_webhook_oldest_pending_seconds ")
    ]
    assert age > 0  # the delivery still waits
