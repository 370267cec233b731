"""akinonInvoicesIngest: partners push Akinon invoice records; each lands by its Akinon id."""

import functools
from enum import Enum
from typing import Annotated

import strawberry

from graph.context import Info
from graph.mutations.results import MutationError
from graph.types.described_enum import described_enum
from graph.types.scalars import JSON
from seeds.akinon import map_akinon_invoice
from seeds.ingest import BATCH_SIZE, IngestReport, RecordResult, RecordStatus, ingest_batch
from seeds.sources import to_source_record

MAX_RECORDS = BATCH_SIZE
"""Records one call may push: they are written as one batch."""

described_enum(
    RecordStatus,
    name="IngestRecordStatus",
    description="What happened to a pushed record.",
    values={
        RecordStatus.STORED: "A new invoice was stored, at version 1.",
        RecordStatus.UPDATED: (
            "A newer source modification time changed the invoice: version + 1 and a "
            "SOURCE_UPDATE audit entry."
        ),
        RecordStatus.UNCHANGED: "The same record again: nothing changed.",
        RecordStatus.STALE: "Older than the stored record: ignored.",
        RecordStatus.REJECTED: "Invalid or clashing: nothing stored; `reason` says why.",
    },
)


@strawberry.enum(description="Why akinonInvoicesIngest looked at no record.")
class AkinonInvoicesIngestErrorCode(Enum):
    TOO_MANY_RECORDS = strawberry.enum_value(
        "TOO_MANY_RECORDS", description=f"More than {MAX_RECORDS} records in one call."
    )


@strawberry.type(description="A reason akinonInvoicesIngest looked at no record.")
class AkinonInvoicesIngestError(MutationError):
    code: AkinonInvoicesIngestErrorCode = strawberry.field(description="The kind of problem.")


@strawberry.type(description="The outcome for one pushed Akinon record.")
class AkinonInvoiceIngestResult:
    position: int = strawberry.field(description="The record's place in `records`, from 1.")
    status: RecordStatus = strawberry.field(description="What happened to the record.")
    invoiceId: strawberry.ID | None = strawberry.field(
        description="The invoice that holds the record; null when it was rejected."
    )
    version: int | None = strawberry.field(
        description="That invoice's version after this record; null when rejected."
    )
    reason: str | None = strawberry.field(
        description="Why the record was rejected; null otherwise."
    )
    field: str | None = strawberry.field(
        description=(
            "The path of the source record's field at fault when rejected, as the source "
            "names it; null when no single field is."
        )
    )


@strawberry.type(description="The result of akinonInvoicesIngest: one result per record.")
class AkinonInvoicesIngestPayload:
    results: list[AkinonInvoiceIngestResult] = strawberry.field(
        description="One result per record, in the order of `records`."
    )
    stored: int = strawberry.field(description="Records stored as new invoices.")
    updated: int = strawberry.field(description="Records that updated their invoice.")
    unchanged: int = strawberry.field(description="Records already stored as they are.")
    stale: int = strawberry.field(description="Records older than their stored invoice.")
    rejected: int = strawberry.field(description="Records rejected; see their results.")
    errors: list[AkinonInvoicesIngestError] = strawberry.field(
        description="Why no record was looked at; empty when every record has a result."
    )


RecordsArgument = Annotated[
    list[JSON],
    strawberry.argument(
        description=(
            "Akinon OMS invoice records, each as `GET /api/v1/oms/invoices/{id}/` returns "
            f"it; at most {MAX_RECORDS}."
        )
    ),
]


def _result(result: RecordResult) -> AkinonInvoiceIngestResult:
    rejection = result.rejection
    return AkinonInvoiceIngestResult(
        position=result.position,
        status=result.status,
        invoiceId=strawberry.ID(result.invoice_id) if result.invoice_id else None,
        version=result.version,
        reason=rejection.reason if rejection else None,
        field=rejection.path if rejection else None,
    )


def _payload(
    results: list[AkinonInvoiceIngestResult],
    errors: list[AkinonInvoicesIngestError],
    counts: dict[str, int],
) -> AkinonInvoicesIngestPayload:
    return AkinonInvoicesIngestPayload(
        results=results,
        stored=counts[RecordStatus.STORED.value],
        updated=counts[RecordStatus.UPDATED.value],
        unchanged=counts[RecordStatus.UNCHANGED.value],
        stale=counts[RecordStatus.STALE.value],
        rejected=counts[RecordStatus.REJECTED.value],
        errors=errors,
    )


async def resolve_akinon_invoices_ingest(
    info: Info, records: RecordsArgument
) -> AkinonInvoicesIngestPayload:
    if len(records) > MAX_RECORDS:
        error = AkinonInvoicesIngestError(
            code=AkinonInvoicesIngestErrorCode.TOO_MANY_RECORDS,
            message=f"{len(records)} records in one call; send at most {MAX_RECORDS}",
            field="records",
            currentVersion=None,
        )
        return _payload([], [error], IngestReport().counts())
    sources = [to_source_record(position, record) for position, record in enumerate(records, 1)]
    mapper = functools.partial(map_akinon_invoice, currencies=info.context.default_currencies)
    # The request's writer: its audit entries name the key, and it keeps the loaders current.
    results = await ingest_batch(sources, info.context.writer, mapper=mapper)
    report = IngestReport()
    for result in results:
        report.add(result)
    info.context.report_ingest(report.counts())
    return _payload([_result(result) for result in results], [], report.counts())
