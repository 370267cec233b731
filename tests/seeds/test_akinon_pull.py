"""The live pull against a fake Akinon OMS: real HTTP on loopback, failures, death and resume."""

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from seeds.akinon_pages import Checkpoint, CheckpointMismatch, Page
from seeds.akinon_pull import AkinonPull, PullFailed, RetryPolicy, invoices_url
from seeds.ingest import IngestReport, ingest_records
from store.client import open_database
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope, ScopedInvoices
from store.keyset import SortKey

EXAMPLE_PAGE = Path(__file__).parents[2] / "seeds" / "data" / "akinon-example-page.json"
BASE = json.loads(EXAMPLE_PAGE.read_text(), parse_float=Decimal)["results"][0]
TOKEN = "s3cret-token"
ACCOUNT = "acme"
DESTINATION = "mongodb://127.0.0.1:27017/pull"
OVERLAP_TIMEOUT = 10.0


def akinon(record_id: int) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    record.update(id=record_id, number=f"INV-{record_id}")
    return record


@dataclass
class FakeAkinon:
    """An OMS invoice list: pages by number or by opaque cursor, with scripted failures."""

    records: list[dict[str, Any]]
    page_size: int
    style: str = "page"
    failures: dict[int, list[int]] = field(default_factory=dict)
    """Page number -> statuses to answer (in order) before the page itself."""
    die_after: int | None = None
    """Stop the whole server once this many pages have been served."""
    hold_until_overlap: bool = False
    """Hold requests past page 1 (which a client reads alone to learn the count) until two
    are in flight at once: overlap by events, not by time."""
    overlapped: asyncio.Event = field(default_factory=asyncio.Event)
    delays: dict[int, float] = field(default_factory=dict)
    """Page number -> seconds to hold its first request (a stalled page)."""
    held: dict[int, asyncio.Event] = field(default_factory=dict)
    """Page number -> an event its requests wait for (set by the test)."""
    added: list[dict[str, Any]] = field(default_factory=list)
    """Records appended to the list once `add_after` pages have been served."""
    add_after: int | None = None
    clock: Callable[[], float] | None = None
    """The client's clock, read at each request (`request_times`)."""
    request_times: list[tuple[int, float]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    retry_after: str = "2"
    served: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    requests: list[tuple[int, str | None]] = field(default_factory=list)
    port: int = 0
    runner: web.AppRunner | None = None
    dying: asyncio.Task[None] | None = None
    """The stop that `die_after` began from inside a request: a restart waits for it."""

    async def start(self) -> str:
        if self.dying is not None:
            await self.dying
            self.dying = None
        app = web.Application()
        app.router.add_get("/api/v1/oms/invoices/", self.invoices)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            await runner.cleanup()
        if self.dying is not None and self.dying is not asyncio.current_task():
            await self.dying

    def listed(self, since: str | None) -> list[dict[str, Any]]:
        """The records Akinon lists: those modified at or after `since`, when given."""
        if since is None:
            return self.records
        after = _instant(since)
        return [record for record in self.records if _instant(record["modified_date"]) >= after]

    def page_link(self, request: web.Request, number: int, count: int | None = None) -> str | None:
        if (number - 1) * self.page_size >= (len(self.records) if count is None else count):
            return None
        if self.style == "page":
            return str(request.url.update_query(page=str(number)))
        return str(request.url.update_query(cursor=f"c{number * 7919:x}"))  # opaque to clients

    async def invoices(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Token {TOKEN}":
            return web.json_response({"detail": "Invalid token."}, status=401)
        if self.style == "page":
            number = int(request.query.get("page", "1"))
        else:
            cursor = request.query.get("cursor")
            number = 1 if cursor is None else int(cursor[1:], 16) // 7919
        self.requests.append((number, request.headers.get("Authorization")))
        self.queries.append(dict(request.query))
        if self.clock is not None:
            self.request_times.append((number, self.clock()))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight >= 2:
            self.overlapped.set()
        try:
            if self.hold_until_overlap and number > 1:
                # Safety timeout: a client that never overlaps fails the test's assertion.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.overlapped.wait(), OVERLAP_TIMEOUT)
            else:
                await asyncio.sleep(self.delays.pop(number, 0.005))  # let requests overlap
            if number in self.held:
                await self.held[number].wait()
        finally:
            self.in_flight -= 1
        scripted = self.failures.get(number)
        if scripted:
            status = scripted.pop(0)
            headers = {"Retry-After": self.retry_after} if status == 429 else {}
            return web.json_response({"detail": "try later"}, status=status, headers=headers)
        records = self.listed(request.query.get("modified_date__gte"))
        start = (number - 1) * self.page_size
        body = {
            "count": len(records),
            "next": self.page_link(request, number + 1, len(records)),
            "previous": self.page_link(request, number - 1) if number > 1 else None,
            "results": records[start : start + self.page_size],
        }
        self.served += 1
        if self.served == self.add_after:
            self.records.extend(self.added)
        if self.served == self.die_after:
            self.dying = asyncio.get_running_loop().create_task(self.stop())
        return web.Response(text=json.dumps(body, default=str), content_type="application/json")


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
async def invoices() -> AsyncIterator[ScopedInvoices]:
    database = open_database(None, "pull")
    await ensure_indexes(database)
    yield InvoiceStore(database).scoped(Scope(ACCOUNT))
    await database.drop()


@dataclass
class Run:
    """One pull run's store side: what it ingested and every delay it asked for."""

    invoices: ScopedInvoices
    report: IngestReport = field(default_factory=IngestReport)
    sleeps: list[float] = field(default_factory=list)
    now: float = 0.0
    """The pull's clock: it moves only when the pull sleeps."""

    async def store(self, page: Page) -> None:
        self.report.merge(await ingest_records(page.records(), self.invoices))

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)  # recorded, not waited: the test needs no wall clock
        self.now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now


def pull(
    url: str, checkpoint_path: Path, run: Run, token: str = TOKEN, concurrency: int = 3
) -> AkinonPull:
    full = invoices_url(url)
    return AkinonPull(
        full,
        token,
        Checkpoint.open(checkpoint_path, full, ACCOUNT, DESTINATION),
        concurrency=concurrency,
        retry=RetryPolicy(attempts=4, first_delay=0.01, max_delay=0.05),
        sleep=run.sleep,
        clock=run.clock,
    )


@pytest.mark.parametrize("style", ["page", "cursor"])
async def test_pull_dies_mid_run_and_resumes_storing_every_record_once(
    style: str, invoices: ScopedInvoices, tmp_path: Path
) -> None:
    records = [akinon(i) for i in range(1, 48)]
    server = FakeAkinon(
        records, page_size=5, style=style, failures={2: [429], 3: [500, 503]}, die_after=4
    )
    url = await server.start()
    checkpoint = tmp_path / "pull.json"
    first = Run(invoices)

    with pytest.raises(PullFailed, match="gave up after 4 attempts"):
        await pull(url, checkpoint, first).run(first.store)

    assert checkpoint.exists()
    assert 0 < first.report.stored < len(records)
    server.die_after = None
    await server.start()  # the same port again
    second = Run(invoices)
    counts: list[tuple[int, int]] = []

    await pull(url, checkpoint, second).run(second.store, lambda *count: counts.append(count))

    assert not checkpoint.exists()
    assert first.report.stored + second.report.stored == len(records)
    assert second.report.unchanged == 0
    assert first.report.read + second.report.read == len(records)
    assert counts == [(len(records), first.report.read)]
    assert await invoices.count() == len(records)
    rows = await invoices.find_page(None, [SortKey("invoiceId")], None, 100)
    numbers = {row["invoiceNumber"] for row, _ in rows}
    assert numbers == {f"INV-{i}" for i in range(1, 48)}
    assert all(auth == f"Token {TOKEN}" for _, auth in server.requests)
    # Retry-After: 2 after the 429, waited out once (the pause is shared by every page).
    assert any(abs(slept - 2.0) < 1e-9 for slept in first.sleeps + second.sleeps)
    assert server.max_in_flight <= 3
    await server.stop()


async def test_pull_fetches_predictable_pages_concurrently(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 61)], page_size=4, hold_until_overlap=True)
    url = await server.start()
    run = Run(invoices)

    await pull(url, tmp_path / "pull.json", run, concurrency=4).run(run.store)

    assert (run.report.read, run.report.stored) == (60, 60)
    assert 1 < server.max_in_flight <= 4
    assert sorted(number for number, _ in server.requests) == list(range(1, 16))
    await server.stop()


async def test_pull_follows_cursor_links_one_page_at_a_time(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 23)], page_size=5, style="cursor")
    url = await server.start()
    run = Run(invoices)

    await pull(url, tmp_path / "pull.json", run, concurrency=4).run(run.store)

    assert run.report.stored == 22
    assert server.max_in_flight == 1
    assert [number for number, _ in server.requests] == [1, 2, 3, 4, 5]
    await server.stop()


async def test_pull_with_a_wrong_token_stops_at_once(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    server = FakeAkinon([akinon(1)], page_size=5)
    url = await server.start()
    run = Run(invoices)

    with pytest.raises(PullFailed, match="refused the token: HTTP 401"):
        await pull(url, tmp_path / "pull.json", run, token="wrong").run(run.store)

    assert run.sleeps == []
    assert await invoices.count() == 0
    await server.stop()


async def test_pull_reports_rejected_records_with_their_position(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    records = [akinon(i) for i in range(1, 13)]
    records[6]["invoiceitem_set"][0]["tax_amount"] = "lots"
    server = FakeAkinon(records, page_size=5)
    url = await server.start()
    run = Run(invoices)

    await pull(url, tmp_path / "pull.json", run).run(run.store)

    assert (run.report.read, run.report.stored) == (12, 11)
    [rejection] = run.report.rejected
    assert (rejection.position, rejection.invoice_number, rejection.path) == (
        7,
        "INV-7",
        "invoiceitem_set[0].tax_amount",
    )
    await server.stop()


async def test_pull_refuses_a_checkpoint_of_another_pull(tmp_path: Path) -> None:
    path = tmp_path / "pull.json"
    url = "https://a.example/api/v1/oms/invoices/"
    Checkpoint(path, url, "other", DESTINATION, mode="next").save()

    with pytest.raises(CheckpointMismatch, match="belongs to a pull of https://a.example"):
        Checkpoint.open(path, url, ACCOUNT, DESTINATION)


async def test_a_checkpoint_belongs_to_its_destination(tmp_path: Path) -> None:
    path = tmp_path / "pull.json"
    url = "https://a.example/api/v1/oms/invoices/"
    Checkpoint(path, url, ACCOUNT, DESTINATION, mode="next", records_done=250).save()

    with pytest.raises(CheckpointMismatch, match="would skip the records stored there"):
        Checkpoint.open(path, url, ACCOUNT, "mongodb://127.0.0.1:27017/elsewhere")
    assert Checkpoint.open(path, url, ACCOUNT, DESTINATION).records_done == 250


async def test_pull_never_sends_the_token_to_another_host(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 8)], page_size=5, style="cursor")
    original: Callable[..., str | None] = server.page_link
    server.page_link = lambda request, number, *count: (  # type: ignore[method-assign]
        None
        if number < 2
        else (original(request, number, *count) or "").replace("127.0.0.1", "localhost")
    )
    url = await server.start()
    run = Run(invoices)

    with pytest.raises(PullFailed, match="outside"):
        await pull(url, tmp_path / "pull.json", run).run(run.store)

    assert [number for number, _ in server.requests] == [1]
    await server.stop()


def test_invoices_url_adds_the_list_path_to_a_base_url() -> None:
    assert invoices_url("https://oms.example") == "https://oms.example/api/v1/oms/invoices/"
    assert invoices_url("https://oms.example/") == "https://oms.example/api/v1/oms/invoices/"
    full = "https://oms.example/api/v1/oms/invoices/?status=waiting"
    assert invoices_url(full) == full


def test_retry_delay_honours_retry_after_and_caps_backoff() -> None:
    policy = RetryPolicy(first_delay=1.0, max_delay=8.0)

    assert 0.5 <= policy.delay(0, None) <= 1.0
    assert 4.0 <= policy.delay(10, None) <= 8.0
    assert policy.delay(0, 30.0) == 30.0


async def test_a_429_pauses_every_page_for_its_retry_after(
    invoices: ScopedInvoices, tmp_path: Path
) -> None:
    # Page 2 is rate-limited (Retry-After: 2, sent as 1 here); pages 3-5 answer later, and
    # the pages after them would start at once if the pause were page 2's alone.
    server = FakeAkinon(
        [akinon(i) for i in range(1, 41)],
        page_size=4,
        failures={2: [429]},
        delays={3: 0.2, 4: 0.2, 5: 0.2},
        clock=time.monotonic,
    )
    server.retry_after = "1"
    url = await server.start()
    full = invoices_url(url)
    run = Run(invoices)
    started = time.monotonic()
    await AkinonPull(
        full,
        TOKEN,
        Checkpoint.open(tmp_path / "pull.json", full, ACCOUNT, DESTINATION),
        concurrency=4,
        retry=RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05),
    ).run(run.store)
    await server.stop()

    assert run.report.stored == 40
    limited_at = next(t for number, t in server.request_times if number == 2) - started
    later = [t - started for number, t in server.request_times if number >= 6]
    retried = [t - started for number, t in server.request_times if number == 2][1]
    assert later, server.request_times
    assert min([*later, retried]) >= limited_at + 1.0
