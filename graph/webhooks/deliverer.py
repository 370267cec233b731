"""The deliverer: fills the outbox from the event feed and POSTs each delivery, signed.

One loop per process (docs/webhooks.md):

1. feed: for each account with enabled subscriptions, read the feed after the lowest cursor
   of its subscriptions (`ScopedEvents.page`), store a delivery per subscription whose types
   match, then raise each subscription's cursor; storing is idempotent, so two processes
   feeding at once, or a process that dies between the two steps, loses and doubles nothing;
2. deliver: claim due deliveries (a lease in the database per delivery), up to
   `concurrency` attempts in flight; each attempt runs the payload query, signs the body
   and POSTs it (redirects not followed, `timeout` seconds at most), then records the
   outcome: delivered, retried after a jittered exponential backoff, or given up past the
   horizon, which disables the subscription and pauses its other deliveries.
"""

import asyncio
import contextlib
import functools
import logging
import os
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from graph.webhooks.payload_runner import PayloadRunner, PayloadUnavailable
from graph.webhooks.signing import signed_headers
from graph.webhooks.targets import CheckedResolver, TargetPolicy, TargetRefused, parse_target
from store.client import StoreUnavailable
from store.domain.instants import display_instant, instant_to_datetime
from store.invoices import InvoiceStore, Scope
from store.webhook_outbox import Attempt, WebhookDelivery, WebhookOutbox, instant_of
from store.webhook_secrets import SecretBox, UnreadableSecret, secret_bytes
from store.webhooks import SubscriptionSecret, WebhookSubscriptions

log = logging.getLogger("invoicegraph.webhooks")

FEED_PAGE = 200
"""Events one feed step reads per account; more are read on the next step, at once."""
WAKE_ACCOUNTS = 50
"""Accounts whose feed signal wakes the loop at once; with more, the loop polls."""
USER_AGENT = "invoicegraph-webhooks/1"


@dataclass(frozen=True)
class RetrySchedule:
    """Exponential backoff with jitter, bounded by a horizon after which delivery gives up."""

    first: float = 4.0
    """The first retry comes after between half this and this many seconds."""
    factor: float = 2.0
    maximum: float = 3600.0
    """No wait between two attempts is longer than this."""
    horizon: float = 86_400.0
    """Seconds after an event is stored for delivery when it is given up."""

    def delay(self, failures: int, draw: Callable[[], float] = random.random) -> float:
        """The wait after the `failures`-th failed attempt: a random point in the upper half
        of the exponential step, so that many receivers failing together spread out."""
        step = min(self.maximum, self.first * self.factor ** max(failures - 1, 0))
        return step * (0.5 + 0.5 * draw())


@dataclass(frozen=True)
class DeliveryOptions:
    timeout: float = 10.0
    """Seconds an attempt may take, from connecting to the answer's status line."""
    lease: float = 30.0
    """How long a claimed delivery is this process's; past it another process may retry."""
    poll: float = 1.0
    """Seconds between two looks at the feed and the outbox when nothing wakes the loop."""
    concurrency: int = 16
    """Attempts in flight at once in one process."""
    schedule: RetrySchedule = field(default_factory=RetrySchedule)


class DeliveryCounters:
    """What the deliverer reports for /metrics; the app replaces these with its own."""

    def outcome(self, outcome: str) -> None:
        """delivered, retried (an attempt failed and comes again) or gave_up."""

    def lag(self, seconds: float) -> None:
        """From the change to the receiver's 2xx, for each delivered event."""

    def oldest_pending(self, seconds: float) -> None:
        """Age of the oldest delivery still pending (0 without one)."""


class WebhookDeliverer:
    """Feeds the outbox and delivers from it, in one process among any number."""

    def __init__(
        self,
        subscriptions: WebhookSubscriptions,
        outbox: WebhookOutbox,
        invoices: InvoiceStore,
        runner: PayloadRunner,
        box: SecretBox,
        policy: TargetPolicy,
        options: DeliveryOptions,
        counters: DeliveryCounters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.subscriptions = subscriptions
        self.outbox = outbox
        self.invoices = invoices
        self.runner = runner
        self.box = box
        self.policy = policy
        self.options = options
        self.counters = counters or DeliveryCounters()
        self.clock = clock
        self.holder = f"{os.getpid()}-{id(self):x}"
        self._attempted = asyncio.Event()
        self._poked = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._moments: dict[str, asyncio.Event] = {}
        """Per account with subscriptions (the first WAKE_ACCOUNTS), set once this process
        relays its events after the deliverer last read its feed."""

    def poke(self) -> None:
        """Look at the feed and the outbox now (a subscription was created or enabled)."""
        self._poked.set()

    def session(self) -> aiohttp.ClientSession:
        """The HTTP client: checked addresses only, no DNS cache, no proxy from the env."""
        connector = aiohttp.TCPConnector(
            resolver=CheckedResolver(self.policy),
            use_dns_cache=False,
            limit=self.options.concurrency,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.options.timeout),
            headers={"user-agent": USER_AGENT},
            trust_env=False,
        )

    async def run_forever(self) -> None:
        async with self.session() as session:
            try:
                feed_now = True
                measured_at = 0.0
                while True:
                    more = False
                    if feed_now:
                        self._poked.clear()
                        more = await _guarded(self.feed(), False)
                    self._attempted.clear()
                    await _guarded(self.deliver_due(session), 0)
                    if time.monotonic() - measured_at >= self.options.poll:
                        measured_at = time.monotonic()
                        await _guarded(self.measure(), None)
                    feed_now = more or await self._sleep()
            finally:
                await self._stop()

    async def _sleep(self) -> bool:
        """Until an attempt ends, the poll interval passes, this process relays events of an
        account with subscriptions, or a subscription is made or enabled; True unless only
        an attempt ended (the feed is read again only when something else wakes the loop)."""
        attempted = asyncio.ensure_future(self._attempted.wait())
        waits = [attempted, asyncio.ensure_future(self._poked.wait())]
        # Each account's moment was taken before its feed was read: events relayed since
        # have set it already.
        waits += [asyncio.ensure_future(moment.wait()) for moment in self._moments.values()]
        try:
            done, _ = await asyncio.wait(
                waits, timeout=self.options.poll, return_when="FIRST_COMPLETED"
            )
        finally:
            for waiting in waits:
                waiting.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        return done != {attempted}

    async def _stop(self) -> None:
        """Cancel the attempts in flight and hand their leases back for another process."""
        tasks = dict(self._in_flight)
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        for delivery_id in tasks:
            with contextlib.suppress(Exception):
                await self.outbox.release(delivery_id, self.holder)

    async def feed(self) -> bool:
        """Store the new events of every enabled subscription; True when more are waiting."""
        enabled = await self.subscriptions.enabled()
        by_account = defaultdict(list)
        for subscription in enabled:
            by_account[subscription.account].append(subscription)
        watched = set(sorted(by_account)[:WAKE_ACCOUNTS])
        self._moments = {a: m for a, m in self._moments.items() if a in watched}
        more = False
        now = self.clock()
        for account, subscriptions in by_account.items():
            start = min(subscription.cursor for subscription in subscriptions)
            events = self.invoices.scoped(Scope(account)).events
            if account in watched:
                self._moments[account] = events.moment()  # before reading: nothing slips by
            rows = await events.page([start] if start else None, FEED_PAGE)
            if not rows:
                continue
            more = more or len(rows) == FEED_PAGE
            last = rows[-1][0].seq
            for subscription in subscriptions:
                wanted = [
                    event
                    for event, _ in rows
                    if event.seq > subscription.cursor and subscription.wants(event)
                ]
                await self.outbox.enqueue(
                    subscription.id, account, wanted, now, self.options.schedule.horizon
                )
                await self.subscriptions.advance(subscription.id, last)
        return more

    async def deliver_due(self, session: aiohttp.ClientSession) -> int:
        """Claim due deliveries for the free slots and start their attempts."""
        free = self.options.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        now = self.clock()
        due = await self.outbox.due(now, free + len(self._in_flight))
        claimed: list[WebhookDelivery] = []
        for delivery_id in due:
            if delivery_id in self._in_flight or len(claimed) >= free:
                continue
            delivery = await self.outbox.claim(delivery_id, self.holder, now, self.options.lease)
            if delivery is not None:
                claimed.append(delivery)
        if not claimed:
            return 0
        found = await self.subscriptions.with_secrets(sorted({d.subscriptionId for d in claimed}))
        for delivery in claimed:
            task = asyncio.create_task(
                self._attempt(session, delivery, found.get(delivery.subscriptionId))
            )
            self._in_flight[delivery.id] = task
            task.add_done_callback(functools.partial(self._finished, delivery.id))
        return len(claimed)

    def _finished(self, delivery_id: str, _: object = None) -> None:
        self._in_flight.pop(delivery_id, None)
        self._attempted.set()

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        delivery: WebhookDelivery,
        found: SubscriptionSecret | None,
    ) -> None:
        try:
            if found is None:  # deleted since the event was stored
                await self.outbox.forget(delivery.subscriptionId)
                return
            if not found.subscription.enabled:
                await self.outbox.release(delivery.id, self.holder)
                await self.outbox.pause(delivery.subscriptionId)
                return
            started = self.clock()
            status, error = await self.post(session, delivery, found)
            await self._record(delivery, found, started, status, error)
        except Exception:
            log.warning("webhook delivery %s failed to record", delivery.id, exc_info=True)

    async def post(
        self,
        session: aiohttp.ClientSession,
        delivery: WebhookDelivery,
        found: SubscriptionSecret,
    ) -> tuple[int | None, str | None]:
        """One attempt: (the answer's status, or None; what went wrong, or None)."""
        subscription = found.subscription
        try:
            target = parse_target(subscription.url)
            self.policy.check_literal(target)
            secret = secret_bytes(self.box.open(found.sealed_secret))
            payload = None
            if subscription.query:
                payload = await self.runner.run(subscription, delivery.invoiceId)
            body = orjson.dumps(delivery_body(delivery, payload), default=str)
            headers = signed_headers(secret, delivery.eventId, int(self.clock()), body)
            async with session.post(
                target,
                data=body,
                headers=headers,
                allow_redirects=False,
            ) as response:
                status = response.status
            if 200 <= status < 300:
                return status, None
            return status, f"answered HTTP {status}" + (
                " (redirects are not followed)" if 300 <= status < 400 else ""
            )
        except TimeoutError:
            return None, f"no answer within {self.options.timeout:g} s"
        except TargetRefused as refused:
            return None, f"target refused: {refused}"
        except aiohttp.ClientConnectorError as failure:
            if isinstance(failure.os_error, TargetRefused):
                return None, f"target refused: {failure.os_error}"
            return None, f"could not connect: {failure.os_error.strerror or failure.os_error}"
        except aiohttp.ClientError as failure:
            return None, f"{type(failure).__name__}: {failure}"
        except PayloadUnavailable as failure:
            return None, f"the payload query could not run: {failure}"
        except StoreUnavailable:
            return None, "the payload query could not run: the invoice store was unavailable"
        except UnreadableSecret as failure:
            return None, str(failure)

    async def _record(
        self,
        delivery: WebhookDelivery,
        found: SubscriptionSecret,
        started: float,
        status: int | None,
        error: str | None,
    ) -> None:
        now = self.clock()
        attempt = Attempt(
            at=instant_of(now),
            statusCode=status,
            error=error,
            durationMs=round((now - started) * 1000),
        )
        if error is None:
            if await self.outbox.record_attempt(delivery.id, self.holder, attempt, None, True):
                self.counters.outcome("delivered")
                self.counters.lag(now - instant_to_datetime(delivery.time).timestamp())
            return
        failures = delivery.attempts + 1
        if now >= delivery.giveUpAt:
            if await self.outbox.record_attempt(delivery.id, self.holder, attempt, None, False):
                self.counters.outcome("gave_up")
                await self._give_up(delivery, found, failures, error)
            return
        retry_at = min(now + self.options.schedule.delay(failures), delivery.giveUpAt)
        if await self.outbox.record_attempt(delivery.id, self.holder, attempt, retry_at, False):
            self.counters.outcome("retried")

    async def _give_up(
        self, delivery: WebhookDelivery, found: SubscriptionSecret, failures: int, error: str
    ) -> None:
        hours = self.options.schedule.horizon / 3600
        reason = (
            f"event {delivery.eventId} was not delivered within {hours:g} h "
            f"({failures} attempts); the last one: {error}"
        )
        if await self.subscriptions.disable(found.subscription.id, reason):
            log.warning("webhook subscription %s disabled: %s", found.subscription.id, reason)
        await self.outbox.pause(found.subscription.id)

    async def measure(self) -> None:
        oldest = await self.outbox.oldest_pending()
        self.counters.oldest_pending(0.0 if oldest is None else max(0.0, self.clock() - oldest))


def delivery_body(delivery: WebhookDelivery, payload: Any) -> dict[str, Any]:
    """The JSON body the contract gives (docs/webhooks.md)."""
    return {
        "type": f"invoice.{delivery.type.lower()}",
        "timestamp": display_instant(delivery.time),
        "data": {
            "event": {
                "eventId": delivery.eventId,
                "invoiceId": delivery.invoiceId,
                "version": delivery.version,
                "type": delivery.type,
            },
            "payload": payload,
        },
    }


async def _guarded(work: Any, fallback: Any) -> Any:
    """The loop outlives a failing database: what failed is found again next time round."""
    try:
        return await work
    except Exception:
        log.warning("webhook delivery step failed", exc_info=True)
        return fallback
