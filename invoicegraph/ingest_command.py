"""`invoicegraph ingest`: files or a live Akinon pull into a store, with progress and a summary.

Exit codes: 0 when every record landed, EXIT_REJECTED when some were rejected (the rest
landed), EXIT_INCOMPLETE when a source could not be read or the pull stopped, EXIT_USAGE for
a usage or configuration mistake, and 128 + the signal's number after Ctrl-C or SIGTERM.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from invoicegraph.arguments import add_database_arguments, positive_float
from invoicegraph.progress import PLAIN_INTERVAL, Progress, progress_for
from invoicegraph.settings import Settings
from invoicegraph.startup import reachable_database
from seeds.akinon_pages import Checkpoint, CheckpointMismatch, Page, default_checkpoint
from seeds.akinon_pull import (
    SINCE_PARAMETER,
    AkinonPull,
    InvalidAkinonUrl,
    PullFailed,
    RetryPolicy,
    checked_akinon_url,
    invoices_url,
    modified_since,
)
from seeds.ingest import (
    BATCH_SIZE,
    IngestReport,
    Mapper,
    RecordResult,
    Rejection,
    UnreadableSource,
    ingest_records,
    load_records,
    mapper_for,
    to_invoice,
)
from store.client import StoreUnavailable, database_hosts
from store.invoices import InvoiceStore, Scope, ScopedInvoices

EXIT_REJECTED = 3
"""Some records were rejected; every other record landed."""

EXIT_INCOMPLETE = 1
"""A source could not be read, or the pull stopped: not every record was read."""

EXIT_USAGE = 2
"""Nothing to ingest, a pull without a token, a malformed URL or date, another pull's checkpoint."""

TOKEN_VARIABLE = "AKINON_TOKEN"
"""The environment variable read when --akinon-token is not given (keeps it out of `ps`)."""

DRY_RUN = "the embedded store (a dry run)"
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class IngestJob:
    """What to ingest, where, and how to report it."""

    account: str
    paths: Sequence[Path] = ()
    mongodb_uri: str | None = None
    database: str = "invoicegraph"
    akinon_url: str | None = None
    akinon_token: str | None = None
    since: str | None = None
    checkpoint: Path | None = None
    concurrency: int = 4
    timeout: float = 60.0
    retries: int = RetryPolicy.attempts - 1
    rejects: Path | None = None
    quiet: bool = False
    progress_every: float = PLAIN_INTERVAL
    batch_size: int = BATCH_SIZE
    actor: str = "ingest"
    mapper: Mapper = to_invoice
    """Maps each record; carries the accounts' default currencies (docs/akinon-mapping.md)."""
    settings: Settings = field(default_factory=Settings)

    @property
    def destination(self) -> str:
        """Where the records go, without credentials: a checkpoint belongs to it."""
        if not self.mongodb_uri:
            return DRY_RUN
        hosts = ",".join(sorted(database_hosts(self.mongodb_uri).split(",")))
        return f"mongodb://{hosts}/{self.database}"

    def pull_url(self) -> str:
        assert self.akinon_url is not None
        url = invoices_url(self.akinon_url)
        return modified_since(url, self.since) if self.since else url


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files to ingest")
    parser.add_argument("--account", required=True, help="the account that owns the invoices")
    add_database_arguments(
        parser, "a real MongoDB (default: env MONGODB_URI, else embedded: a dry run)"
    )
    parser.add_argument("--akinon-url", help="pull every invoice from this Akinon OMS base URL")
    parser.add_argument("--akinon-token", help=f"the OMS API token (default: env {TOKEN_VARIABLE})")
    parser.add_argument(
        "--since",
        metavar="INSTANT",
        help="pull only invoices modified at or after this ISO 8601 date or time "
        f"(Akinon's {SINCE_PARAMETER})",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="where an interrupted pull resumes from (default: .invoicegraph-pull-*.json here)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="pages fetched at once (default 4)"
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="a page request fails after this long without an answer (default 60)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=RetryPolicy.attempts - 1,
        metavar="N",
        help="retries of a failing page before the pull stops (default "
        f"{RetryPolicy.attempts - 1})",
    )
    parser.add_argument(
        "--rejects", type=Path, metavar="FILE", help="write rejected records as JSON Lines"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument(
        "--progress-every",
        type=positive_float,
        default=PLAIN_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between progress lines when not on a terminal (default {PLAIN_INTERVAL:g})",
    )
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help=f"records a write (default {BATCH_SIZE})"
    )


def ingest_job(args: argparse.Namespace, settings: Settings) -> IngestJob:
    return IngestJob(
        account=args.account,
        paths=args.paths,
        mongodb_uri=settings.mongodb_uri,
        database=settings.database,
        akinon_url=args.akinon_url,
        akinon_token=args.akinon_token or os.environ.get(TOKEN_VARIABLE),
        since=args.since,
        checkpoint=args.checkpoint,
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        rejects=args.rejects,
        quiet=args.quiet,
        progress_every=args.progress_every,
        batch_size=args.batch_size,
        mapper=mapper_for(settings.akinon_currencies),
        settings=settings,
    )


def _usage_problem(job: IngestJob) -> str | None:
    if not job.paths and not job.akinon_url:
        return "give files to ingest (PATH...) or --akinon-url"
    if job.akinon_url:
        try:
            checked_akinon_url(job.akinon_url)
        except InvalidAkinonUrl as error:
            return str(error)
        if not job.akinon_token:
            return f"a pull needs the OMS token: --akinon-token or env {TOKEN_VARIABLE}"
    if job.since is not None and not _is_instant(job.since):
        return (
            f"--since {job.since!r} is not an ISO 8601 date or time: give e.g. 2024-05-01 or "
            "2024-05-01T00:00:00Z"
        )
    if job.concurrency < 1 or job.batch_size < 1:
        return "--concurrency and --batch-size are at least 1"
    if job.retries < 0:
        return "--retries is 0 or more"
    return None


def _is_instant(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            return False
    return True


class Reporter:
    """Streams each batch's outcome: progress, one stderr line per rejection, the rejects file."""

    def __init__(self, progress: Progress, rejects: BinaryIO | None) -> None:
        self.progress = progress
        self._rejects = rejects
        self.source = ""
        self._files = 0
        self._pull = 0

    def expect_more(self, records: int) -> None:
        """Another file adds `records` to the total the progress display counts towards."""
        self._files += records
        self.progress.expect(self._files + self._pull)

    def expect_pull(self, records: int) -> None:
        """The pull will read `records` (a later, larger count replaces an earlier one)."""
        self._pull = records
        self.progress.expect(self._files + self._pull)

    def _write_rejection(self, rejection: Rejection) -> None:
        """Never fails the ingest: a rejects file that cannot be written is said once."""
        assert self._rejects is not None
        try:
            self._rejects.write(rejection.json_line(self.source))
        except OSError as error:
            self.progress.say(f"invoicegraph ingest: cannot write the rejects file: {error}")
            self._rejects = None

    def __call__(self, results: Sequence[RecordResult]) -> None:
        for result in results:
            if result.rejection is not None:
                self.progress.say(result.rejection.describe(self.source))
                if self._rejects is not None:
                    self._write_rejection(result.rejection)
        self.progress.advance(len(results))


@dataclass
class Outcome:
    """How the run ended, beyond the counts: what to tell the operator after the progress."""

    complete: bool = True
    notes: list[str] = field(default_factory=list)


async def run_ingest_job(job: IngestJob, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the job; prints the summary on `out`, everything else on `err`; the exit code."""
    problem = _usage_problem(job)
    checkpoint = None
    if problem is None and job.akinon_url:
        try:
            checkpoint = _checkpoint(job)
        except CheckpointMismatch as error:
            problem = str(error)
    if problem:
        print(f"invoicegraph: error: {problem}", file=err)
        return EXIT_USAGE
    if job.mongodb_uri is None:
        print(
            "invoicegraph: no --mongodb-uri: ingesting into the embedded store, which is "
            "gone when this command ends (a dry run that validates the records)",
            file=err,
        )
    async with reachable_database(job.mongodb_uri, job.database, job.settings, indexed=True) as db:
        invoices = InvoiceStore(db).scoped(Scope(job.account))
        return await _run(job, invoices, checkpoint, out, err)


async def _run(
    job: IngestJob,
    invoices: ScopedInvoices,
    checkpoint: Checkpoint | None,
    out: TextIO,
    err: TextIO,
) -> int:
    progress = progress_for(err, job.quiet, job.progress_every)
    rejects = job.rejects.open("wb") if job.rejects else None
    report = IngestReport()
    outcome = Outcome()
    reporter = Reporter(progress, rejects)
    work = asyncio.ensure_future(_ingest(job, invoices, checkpoint, reporter, report, outcome))
    interrupted: list[signal.Signals] = []
    try:
        async with _interruptible(work, interrupted), _ticking(progress):
            with contextlib.suppress(asyncio.CancelledError):
                await work
    except StoreUnavailable as error:
        outcome.complete = False
        outcome.notes.append(f"invoicegraph: the database stopped answering: {error}.")
        if checkpoint is not None:
            outcome.notes.append(_resume_hint(checkpoint))
    finally:
        progress.close(stopped=not outcome.complete or bool(interrupted))
        if rejects is not None:
            rejects.close()
    if interrupted:
        which = interrupted[0]
        outcome.notes = [f"invoicegraph: interrupted ({which.name}): the summary so far follows."]
        if checkpoint is not None:
            outcome.notes.append(_resume_hint(checkpoint))
    for note in outcome.notes:
        print(note, file=err, flush=True)
    print(report.summary(), file=out, flush=True)
    if interrupted:
        return 128 + interrupted[0].value
    if not outcome.complete:
        return EXIT_INCOMPLETE
    return EXIT_REJECTED if report.rejected else 0


@contextlib.asynccontextmanager
async def _interruptible(
    work: "asyncio.Future[None]", interrupted: list[signal.Signals]
) -> AsyncIterator[None]:
    """Ctrl-C or SIGTERM cancels `work` (the page being stored is finished first)."""
    loop = asyncio.get_running_loop()

    def interrupt(which: signal.Signals) -> None:
        if not interrupted:
            interrupted.append(which)
            work.cancel()

    for which in INTERRUPTS:
        loop.add_signal_handler(which, interrupt, which)
    try:
        yield
    finally:
        for which in INTERRUPTS:
            loop.remove_signal_handler(which)


@contextlib.asynccontextmanager
async def _ticking(progress: Progress) -> AsyncIterator[None]:
    """Tick the progress every second, so that a stalled page still shows a line."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(1.0)
            progress.tick()

    ticker = asyncio.ensure_future(tick())
    try:
        yield
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)


def _checkpoint(job: IngestJob) -> Checkpoint:
    url = job.pull_url()
    if not job.mongodb_uri and not job.checkpoint:
        # A dry run's store is gone when it ends: unless told where, it keeps no checkpoint,
        # so it leaves none that a pull into a database would resume from.
        return Checkpoint.open(None, url, job.account, job.destination)
    path = job.checkpoint or default_checkpoint(url, job.account, job.destination)
    return Checkpoint.open(path, url, job.account, job.destination)


def _resume_hint(checkpoint: Checkpoint) -> str:
    if not checkpoint.saved:
        if checkpoint.path is None:
            return "A dry run keeps no checkpoint: running it again starts over."
        return "Nothing was stored yet: run the same command again to start over."
    return (
        f"Run the same command again to resume from {checkpoint.path} "
        f"({checkpoint.records_done:,} records stored before)."
    )


async def _ingest(
    job: IngestJob,
    invoices: ScopedInvoices,
    checkpoint: Checkpoint | None,
    reporter: Reporter,
    report: IngestReport,
    outcome: Outcome,
) -> None:
    for path in job.paths:
        outcome.complete &= await _ingest_path(path, invoices, job, reporter, report)
    if checkpoint is not None:
        await _pull(job, checkpoint, invoices, reporter, report, outcome)


async def _ingest_path(
    path: Path, invoices: ScopedInvoices, job: IngestJob, reporter: Reporter, report: IngestReport
) -> bool:
    try:
        records = load_records(path)
    except UnreadableSource as error:
        reporter.progress.say(f"{path}: {error}")
        return False
    reporter.source = str(path)
    reporter.expect_more(len(records))
    await _store(
        ingest_records(
            records,
            invoices,
            actor=job.actor,
            batch_size=job.batch_size,
            listener=reporter,
            mapper=job.mapper,
        ),
        report,
    )
    return True


async def _store(storing: Coroutine[Any, Any, IngestReport], report: IngestReport) -> None:
    """Await one source's or page's ingest; an interrupt lets it finish, then stops."""
    task = asyncio.ensure_future(storing)
    try:
        report.merge(await asyncio.shield(task))
    except asyncio.CancelledError:
        # At most one page or file is finished: the summary then counts what landed.
        report.merge(await task)
        raise


async def _pull(
    job: IngestJob,
    checkpoint: Checkpoint,
    invoices: ScopedInvoices,
    reporter: Reporter,
    report: IngestReport,
    outcome: Outcome,
) -> None:
    if checkpoint.started:
        reporter.progress.say(
            f"resuming the pull of {checkpoint.url} into {checkpoint.destination} from "
            f"{checkpoint.path}: {checkpoint.records_done:,} records stored before"
        )
    pull = AkinonPull(
        checkpoint.url,
        job.akinon_token or "",
        checkpoint,
        concurrency=job.concurrency,
        retry=RetryPolicy(attempts=job.retries + 1),
        timeout=job.timeout,
        warn=reporter.progress.say,
    )

    async def store(page: Page) -> None:
        reporter.source = page.url
        await _store(
            ingest_records(
                page.records(),
                invoices,
                actor=job.actor,
                batch_size=job.batch_size,
                listener=reporter,
                mapper=job.mapper,
            ),
            report,
        )

    def on_count(count: int, stored_before: int) -> None:
        reporter.expect_pull(max(count - stored_before, 0))

    try:
        await pull.run(store, on_count)
    except PullFailed as error:
        outcome.complete = False
        outcome.notes.append(f"invoicegraph: the pull stopped: {error}.")
        if error.resumable:
            outcome.notes.append(_resume_hint(checkpoint))
