"""A live pull of invoices from an Akinon OMS, resumable, with bounded concurrency.

`GET {base}/api/v1/oms/invoices/` with `Authorization: Token ...` answers list pages
`{count, next, previous, results}`. When page 1's `next` link numbers its pages
(`?page=2`) or offsets them (`?offset=100`), every page's address follows from `count`
and the page size, and up to `concurrency` pages are fetched at once; otherwise (an
opaque cursor) the pull follows `next` one page at a time. Either way fetching runs
ahead of storing by at most `concurrency` pages, so memory stays bounded.

A checkpoint file records the pages stored into one destination; an interrupted pull
started again with the same checkpoint fetches only the others, and the file is removed
when the pull ends.
429, 5xx, timeouts and broken connections are retried with exponential backoff (at
least `Retry-After` when the server sends one); after a 429 every page waits out the same
backoff, since the OMS limits the client, not the page. docs/ingest.md explains the choices.
"""

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from seeds.akinon_pages import Checkpoint, Page

log = logging.getLogger("invoicegraph.akinon")

INVOICES_PATH = "/api/v1/oms/invoices/"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
SINCE_PARAMETER = "modified_date__gte"
"""Akinon's list filter: records modified at or after an instant."""

Sleep = Callable[[float], Awaitable[None]]
Warn = Callable[[str], None]


class PullFailed(Exception):
    """The pull stopped: a page could not be fetched. The checkpoint keeps what was stored.

    `resumable` is False when running the pull again cannot help as it is (a refused token,
    a link off the OMS, an answer that is not retried): the operator must change something.
    """

    def __init__(self, message: str, *, resumable: bool = True) -> None:
        super().__init__(message)
        self.resumable = resumable


class InvalidAkinonUrl(ValueError):
    """The OMS address is not an http(s) URL with a host."""


def checked_akinon_url(url: str) -> str:
    """The URL as given, when it is an absolute http(s) address; InvalidAkinonUrl otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidAkinonUrl(
            f"--akinon-url {url!r} is not an http(s) address with a host: give the OMS base "
            "URL, e.g. https://oms.example.com"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as error:
        raise InvalidAkinonUrl(f"--akinon-url {url!r}: {error}") from None
    return url


def modified_since(url: str, since: str) -> str:
    """The list address narrowed to records modified at or after `since` (Akinon's filter)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k != SINCE_PARAMETER] + [(SINCE_PARAMETER, since)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a page is fetched again."""

    attempts: int = 8
    first_delay: float = 0.5
    max_delay: float = 60.0
    max_retry_after: float = 600.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before attempt `attempt + 1`: jittered exponential, never below Retry-After."""
        backoff = min(self.max_delay, self.first_delay * 2**attempt)
        backoff *= 0.5 + random.random() / 2  # jitter: retries of many pages do not align
        if retry_after is None:
            return backoff
        return max(backoff, min(retry_after, self.max_retry_after))


def invoices_url(base: str) -> str:
    """The invoice list address of an OMS: a base URL gets the path, a full one is kept."""
    parts = urlsplit(base)
    if parts.path.rstrip("/").endswith(INVOICES_PATH.rstrip("/")):
        return base
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + INVOICES_PATH))


StorePage = Callable[[Page], Awaitable[None]]


class AkinonPull:
    """Fetches every invoice page of one OMS and hands each to `store`, in any order."""

    def __init__(
        self,
        url: str,
        token: str,
        checkpoint: Checkpoint,
        *,
        concurrency: int = 4,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        warn: Warn | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.url = url
        self.checkpoint = checkpoint
        self.concurrency = concurrency
        self.retry = retry
        self._headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._sleep = sleep
        self._clock = clock
        self._warn = warn or log.warning
        self._origin = urlsplit(url)[:2]
        self._paused_until = 0.0
        """A 429 pauses every page until then (clock time): one backoff shared by all."""
        self._on_count: Callable[[int, int], None] | None = None
        self._counted = 0
        self._resumed_from = 0

    async def run(
        self, store: StorePage, on_count: Callable[[int, int], None] | None = None
    ) -> None:
        """Fetch and store every page not stored yet, then remove the checkpoint.

        `on_count(count, stored)` hears the number of records the source has and how many
        earlier runs stored, once known and again whenever a page reports a larger count.
        """
        checkpoint = self.checkpoint
        self._on_count = on_count
        self._resumed_from = checkpoint.records_done
        async with aiohttp.ClientSession(headers=self._headers, timeout=self._timeout) as session:
            if not checkpoint.started:
                first = await self._fetch(session, 1, self.url, 1)
                checkpoint.begin(first)
                self._count(checkpoint.count)
                await store(first)
                checkpoint.stored(first)
            else:
                self._count(checkpoint.count)
            if checkpoint.mode == "next":
                await self._follow(session, store)
            else:
                await self._fetch_pages(session, store)
        checkpoint.finish()

    def _count(self, count: int) -> None:
        """Tell `on_count` the source's size the first time, and again whenever it grows."""
        if count > self._counted:
            self._counted = count
            if self._on_count is not None:
                self._on_count(count, self._resumed_from)

    def _stored(self, page: Page) -> None:
        self.checkpoint.stored(page)
        if page.count is not None:
            self._count(page.count)

    async def _fetch_pages(self, session: aiohttp.ClientSession, store: StorePage) -> None:
        """Predictable addresses: `concurrency` pages fetched or waiting to be stored at once."""
        checkpoint = self.checkpoint
        while missing := [n for n in range(1, checkpoint.pages + 1) if n not in checkpoint.done]:
            window = asyncio.Semaphore(self.concurrency)
            tasks = [
                asyncio.ensure_future(self._fetch_in(window, session, number)) for number in missing
            ]
            try:
                for next_done in asyncio.as_completed(tasks):
                    page = await next_done
                    await store(page)
                    self._stored(page)
                    window.release()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _fetch_in(
        self, window: asyncio.Semaphore, session: aiohttp.ClientSession, number: int
    ) -> Page:
        """Fetch a page once the window has room; the window is freed when it is stored."""
        await window.acquire()
        try:
            url = self.checkpoint.page_url(number)
            return await self._fetch(session, number, url, self.checkpoint.position_of(number))
        except BaseException:
            window.release()
            raise

    async def _follow(self, session: aiohttp.ClientSession, store: StorePage) -> None:
        """Opaque `next` links: one page at a time, fetching the next while one is stored."""
        checkpoint = self.checkpoint
        queue: asyncio.Queue[Page | None] = asyncio.Queue(maxsize=self.concurrency)

        async def fetch_all() -> None:
            url, number = checkpoint.next_url, max(checkpoint.done, default=0) + 1
            position = checkpoint.records_done + 1
            while url is not None:
                page = await self._fetch(session, number, url, position)
                await queue.put(page)
                url, number, position = page.next_url, number + 1, position + len(page.results)
            await queue.put(None)

        fetcher = asyncio.ensure_future(fetch_all())
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, fetcher}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    fetcher.result()  # the fetcher failed: raise its error
                    continue
                page = getter.result()
                if page is None:
                    break
                await store(page)
                self._stored(page)
        finally:
            fetcher.cancel()
            await asyncio.gather(fetcher, return_exceptions=True)

    async def _fetch(
        self, session: aiohttp.ClientSession, number: int, url: str, position: int
    ) -> Page:
        """One page, retried on 429, 5xx, timeouts and broken connections."""
        if urlsplit(url)[:2] != self._origin:
            # The token must not travel to another host, whatever a `next` link says.
            raise PullFailed(
                f"page {number} is at {url}, outside {self.url}: the token is not sent there",
                resumable=False,
            )
        problem = ""
        for attempt in range(self.retry.attempts):
            await self._wait_out_pause()
            retry_after = None
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return _page(number, url, position, await response.text())
                    if response.status in (401, 403):
                        raise PullFailed(
                            f"Akinon refused the token: HTTP {response.status}: check "
                            "--akinon-token (or AKINON_TOKEN)",
                            resumable=False,
                        )
                    if response.status == 404 and number > 1 and self.checkpoint.mode != "next":
                        # Fewer records than `count` said: the page is past the end now.
                        return Page(number, url, [], None, None, position)
                    if response.status not in RETRIED_STATUSES:
                        text = (await response.text())[:200]
                        raise PullFailed(
                            f"GET {url}: HTTP {response.status}: {text}", resumable=False
                        )
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    problem = f"HTTP {response.status}"
                    rate_limited = response.status == 429
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                problem = f"{type(error).__name__}: {error}"
                rate_limited = False
            if attempt + 1 < self.retry.attempts:
                delay = self.retry.delay(attempt, retry_after)
                if rate_limited:
                    self._paused_until = max(self._paused_until, self._clock() + delay)
                    self._warn(f"GET {url}: {problem}; every page waits {delay:.1f} s")
                else:
                    self._warn(f"GET {url}: {problem}; retrying in {delay:.1f} s")
                    await self._sleep(delay)
        raise PullFailed(f"GET {url}: gave up after {self.retry.attempts} attempts ({problem})")

    async def _wait_out_pause(self) -> None:
        """Wait while a 429 pauses the pull (the pause may grow while waiting)."""
        while (left := self._paused_until - self._clock()) > 0:
            await self._sleep(left)


def _page(number: int, url: str, position: int, text: str) -> Page:
    """Parse a list page; ValueError (retried) when the body is not one."""
    body = json.loads(text, parse_float=Decimal)
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ValueError("the answer is not an Akinon list page {count, next, results}")
    count = body.get("count")
    next_url = body.get("next")
    return Page(
        number,
        url,
        body["results"],
        next_url if isinstance(next_url, str) and next_url else None,
        count if isinstance(count, int) else None,
        position,
    )


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
