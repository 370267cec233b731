"""`invoicegraph ingest`: files or a live Akinon pull into a store, with progress and a summary.

Exit codes: 0 when every record landed, EXIT_REJECTED when some were rejected (the rest
landed), EXIT_INCOMPLETE when a source could not be read or the pull stopped.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from invoicegraph.progress import Progress, progress_for
from invoicegraph.settings import Settings
from seeds.akinon_pages import Checkpoint, CheckpointMismatch, Page, default_checkpoint
from seeds.akinon_pull import AkinonPull, PullFailed, invoices_url
from seeds.ingest import (
    BATCH_SIZE,
    IngestReport,
    RecordResult,
    Rejection,
    UnreadableSource,
    ingest_records,
    load_records,
)
from store.indexes import indexed_database
from store.invoices import InvoiceStore, Scope, ScopedInvoices

EXIT_REJECTED = 3
"""Some records were rejected; every other record landed."""

EXIT_INCOMPLETE = 1
"""A source could not be read, or the pull stopped: not every record was read."""

EXIT_USAGE = 2
"""Nothing to ingest, or a pull without a token."""

TOKEN_VARIABLE = "AKINON_TOKEN"
"""The environment variable read when --akinon-token is not given (keeps it out of `ps`)."""


@dataclass(frozen=True)
class IngestJob:
    """What to ingest, where, and how to report it."""

    account: str
    paths: Sequence[Path] = ()
    mongodb_uri: str | None = None
    database: str = "invoicegraph"
    akinon_url: str | None = None
    akinon_token: str | None = None
    checkpoint: Path | None = None
    concurrency: int = 4
    rejects: Path | None = None
    quiet: bool = False
    batch_size: int = BATCH_SIZE
    actor: str = "ingest"


def add_ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files to ingest")
    parser.add_argument("--account", required=True, help="the account that owns the invoices")
    parser.add_argument(
        "--mongodb-uri", help="a real MongoDB (default: env MONGODB_URI, else embedded)"
    )
    parser.add_argument("--akinon-url", help="pull every invoice from this Akinon OMS base URL")
    parser.add_argument("--akinon-token", help=f"the OMS API token (default: env {TOKEN_VARIABLE})")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="where an interrupted pull resumes from (default: .invoicegraph-pull-*.json here)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="pages fetched at once (default 4)"
    )
    parser.add_argument(
        "--rejects", type=Path, metavar="FILE", help="write rejected records as JSON Lines"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help=f"records a write (default {BATCH_SIZE})"
    )


def ingest_job(args: argparse.Namespace, settings: Settings) -> IngestJob:
    return IngestJob(
        account=args.account,
        paths=args.paths,
        mongodb_uri=args.mongodb_uri or settings.mongodb_uri,
        database=settings.database,
        akinon_url=args.akinon_url,
        akinon_token=args.akinon_token or os.environ.get(TOKEN_VARIABLE),
        checkpoint=args.checkpoint,
        concurrency=args.concurrency,
        rejects=args.rejects,
        quiet=args.quiet,
        batch_size=args.batch_size,
    )


def _usage_problem(job: IngestJob) -> str | None:
    if not job.paths and not job.akinon_url:
        return "give files to ingest (PATH...) or --akinon-url"
    if job.akinon_url and not job.akinon_token:
        return f"a pull needs the OMS token: --akinon-token or env {TOKEN_VARIABLE}"
    if job.concurrency < 1 or job.batch_size < 1:
        return "--concurrency and --batch-size are at least 1"
    return None


class Reporter:
    """Streams each batch's outcome: progress, one stderr line per rejection, the rejects file."""

    def __init__(self, progress: Progress, rejects: BinaryIO | None) -> None:
        self.progress = progress
        self._rejects = rejects
        self.source = ""
        self._expected = 0

    def expect_more(self, records: int) -> None:
        """Another source adds `records` to the total the progress display counts towards."""
        self._expected += records
        self.progress.expect(self._expected)

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


async def run_ingest_job(job: IngestJob, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the job; prints the summary on `out`, everything else on `err`; the exit code."""
    problem = _usage_problem(job)
    if problem:
        print(f"invoicegraph ingest: {problem}", file=err)
        return EXIT_USAGE
    if job.mongodb_uri is None:
        print(
            "invoicegraph: no --mongodb-uri: ingesting into the embedded store, which is "
            "gone when this command ends (a dry run that validates the records)",
            file=err,
        )
    progress = progress_for(err, job.quiet)
    rejects = job.rejects.open("wb") if job.rejects else None
    report = IngestReport()
    complete = True
    try:
        async with indexed_database(job.mongodb_uri, job.database) as database:
            invoices = InvoiceStore(database).scoped(Scope(job.account))
            reporter = Reporter(progress, rejects)
            for path in job.paths:
                complete &= await _ingest_path(path, invoices, job, reporter, report)
            if job.akinon_url:
                complete &= await _pull(job, invoices, reporter, report)
    finally:
        progress.close()
        if rejects is not None:
            rejects.close()
    print(report.summary(), file=out)
    if not complete:
        return EXIT_INCOMPLETE
    return EXIT_REJECTED if report.rejected else 0


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
    report.merge(
        await ingest_records(
            records, invoices, actor=job.actor, batch_size=job.batch_size, listener=reporter
        )
    )
    return True


async def _pull(
    job: IngestJob, invoices: ScopedInvoices, reporter: Reporter, report: IngestReport
) -> bool:
    assert job.akinon_url is not None
    url = invoices_url(job.akinon_url)
    path = job.checkpoint or default_checkpoint(url, job.account)
    try:
        checkpoint = Checkpoint.open(path, url, job.account)
        if checkpoint.started:
            reporter.progress.say(
                f"resuming the pull of {url} from {path}: {checkpoint.records_done} records "
                "stored before"
            )
        pull = AkinonPull(url, job.akinon_token or "", checkpoint, concurrency=job.concurrency)

        async def store(page: Page) -> None:
            reporter.source = page.url
            report.merge(
                await ingest_records(
                    page.records(),
                    invoices,
                    actor=job.actor,
                    batch_size=job.batch_size,
                    listener=reporter,
                )
            )

        def on_count(count: int, stored_before: int) -> None:
            reporter.expect_more(max(count - stored_before, 0))

        await pull.run(store, on_count)
    except (PullFailed, CheckpointMismatch) as error:
        reporter.progress.say(
            f"invoicegraph: the pull stopped: {error}. Run the same command again to resume "
            f"from {path}."
        )
        return False
    return True
