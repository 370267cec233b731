"""A partner's webhook receiver on loopback: answers as scripted, records every request."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int | None
    """The status answered; None when the receiver stalled past the sender's timeout."""


@dataclass
class Receiver:
    """Answers each request with the next scripted behaviour, then `otherwise`.

    A behaviour is a status code, or "stall" (sleep `stall_seconds` before answering 200)."""

    script: list[int | str] = field(default_factory=list)
    otherwise: int | str = 200
    stall_seconds: float = 2.0
    received: list[Received] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        behaviour = self.script.pop(0) if self.script else self.otherwise
        record = Received(dict(request.headers), body, None)
        self.received.append(record)
        self.changed.set()
        if behaviour == "stall":
            await asyncio.sleep(self.stall_seconds)
            behaviour = 200
        assert isinstance(behaviour, int)
        record.answered = behaviour
        self.changed.set()
        return web.Response(status=behaviour)

    def delivered_ids(self) -> set[str]:
        return {r.headers["webhook-id"] for r in self.received if r.answered == 200}

    async def wait_for(self, ids: Iterable[str], seconds: float = 20.0) -> None:
        """Until every id was answered 200 (a test fails on the timeout otherwise)."""
        wanted = set(ids)
        async with asyncio.timeout(seconds):
            while not wanted <= self.delivered_ids():
                self.changed.clear()
                await self.changed.wait()

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every request's body, each verified with the Standard Webhooks library."""
        webhook = Webhook(secret)
        return [webhook.verify(r.body, r.headers) for r in self.received]
