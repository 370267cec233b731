"""Ingest: source records -> fabric invoices -> the store, every record accounted for.

Records are mapped and validated one by one, then written a batch at a time by source
key (`InvoiceWriter.upsert_from_source`). Each record ends as exactly one of stored,
updated, unchanged, stale or rejected, so read = stored + updated + unchanged + stale +
rejected always holds (docs/ingest.md).
"""

import functools
import hashlib
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from seeds.akinon import AkinonRecordError, map_akinon_invoice
from seeds.akinon_currency import NO_DEFAULT_CURRENCIES, DefaultCurrencies
from seeds.fabric import fabric_invoice
from seeds.sources import SourceRecord, read_records
from store.domain.documents import Invoice, InvoiceSource
from store.invoice_writer import InvoiceWriter
from store.invoices import ScopedInvoices
from store.source_upsert import SourceOutcome, SourceWrite

BATCH_SIZE = 500
"""Records written per batch: one find and one bulk write each."""

INGEST_ACTOR = "ingest"
"""Who changed an invoice, in the audit entry of an update, when no API key did."""

FABRIC_SYSTEM = "fabric"


class RecordStatus(Enum):
    """What ingest did with one record."""

    STORED = "stored"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    REJECTED = "rejected"


_STATUS_OF = {
    SourceOutcome.STORED: RecordStatus.STORED,
    SourceOutcome.UPDATED: RecordStatus.UPDATED,
    SourceOutcome.UNCHANGED: RecordStatus.UNCHANGED,
    SourceOutcome.STALE: RecordStatus.STALE,
}


@dataclass(frozen=True)
class Rejection:
    """A record that did not land, why, and the record itself (for a rejects file)."""

    position: int
    invoice_number: str | None
    path: str | None
    reason: str
    record: Any = field(default=None, compare=False, repr=False)

    def describe(self, source: str) -> str:
        number = self.invoice_number or "-"
        where = f" at {self.path}" if self.path else ""
        return f"{source}: record {self.position} (invoice {number}) rejected{where}: {self.reason}"

    def json_line(self, source: str) -> bytes:
        """A line of a rejects file; reading the file again gives back `record`."""
        rejected = {
            "source": source,
            "position": self.position,
            "invoiceNumber": self.invoice_number,
            "path": self.path,
            "reason": self.reason,
        }
        line = {"rejected": rejected, "record": _writable(self.record)}
        return orjson.dumps(line, default=_exact_number) + b"\n"


def _exact_number(value: object) -> Any:
    """Decimals (JSON numbers read exactly) are written back with the same digits; anything
    else JSON cannot hold, as its text: a rejects line is always written."""
    if isinstance(value, Decimal):
        return orjson.Fragment(format(value, "f") if value.is_finite() else f'"{value}"')
    return str(value)


def _writable(value: Any) -> Any:
    """The record with its integers beyond 64 bits (which orjson refuses) as their digits."""
    if type(value) is int and not -(2**63) <= value < 2**64:
        return orjson.Fragment(str(value))
    if isinstance(value, dict):
        return {str(key): _writable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_writable(item) for item in value]
    return value


@dataclass(frozen=True)
class RecordResult:
    """One record's outcome: the invoice it landed in, or why it was rejected."""

    position: int
    status: RecordStatus
    invoice_id: str | None = None
    version: int | None = None
    rejection: Rejection | None = None


@dataclass
class IngestReport:
    """What one ingest did; read = stored + updated + unchanged + stale + rejected."""

    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, result: RecordResult) -> None:
        self.read += 1
        if result.rejection is not None:
            self.rejected.append(result.rejection)
        else:
            name = result.status.value
            setattr(self, name, getattr(self, name) + 1)

    def merge(self, other: "IngestReport") -> None:
        self.read += other.read
        self.stored += other.stored
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.rejected.extend(other.rejected)

    @property
    def accounted(self) -> int:
        """Records with an outcome; equals `read` (the invariant tests check)."""
        return self.stored + self.updated + self.unchanged + self.stale + len(self.rejected)

    def counts(self) -> dict[str, int]:
        """Records per outcome, keyed by RecordStatus value (the labels of /metrics)."""
        return {
            RecordStatus.STORED.value: self.stored,
            RecordStatus.UPDATED.value: self.updated,
            RecordStatus.UNCHANGED.value: self.unchanged,
            RecordStatus.STALE.value: self.stale,
            RecordStatus.REJECTED.value: len(self.rejected),
        }

    def summary(self) -> str:
        return (
            f"read {self.read} / stored {self.stored} / updated {self.updated} / "
            f"unchanged {self.unchanged} / stale {self.stale} / rejected {len(self.rejected)}"
        )


BatchListener = Callable[[Sequence[RecordResult]], None]
"""Told the results of each batch as it lands (progress, rejects on stderr and to a file)."""


AKINON_KEYS = frozenset({"invoiceitem_set", "invoice_type", "created_date", "modified_date"})
FABRIC_KEYS = frozenset({"invoiceId", "invoiceNumber", "invoiceTotal", "orders"})


def is_akinon_record(record: Mapping[str, Any]) -> bool:
    """Akinon's snake_case record, unless it has fabric's keys and none of Akinon's."""
    return not (FABRIC_KEYS & record.keys()) or bool(AKINON_KEYS & record.keys())


def to_invoice(
    record: Mapping[str, Any],
    account: str,
    currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES,
) -> Invoice:
    """Map a record of either source system to a validated invoice of `account`."""
    if is_akinon_record(record):
        return map_akinon_invoice(record, account, currencies)
    return fabric_source_invoice(record, account)


Mapper = Callable[[Mapping[str, Any], str], Invoice]
"""Maps one source record to a validated invoice of an account."""


def mapper_for(currencies: DefaultCurrencies) -> Mapper:
    """to_invoice with the accounts' default currencies for Akinon records that carry none."""
    if currencies == NO_DEFAULT_CURRENCIES:
        return to_invoice
    return functools.partial(to_invoice, currencies=currencies)


def fabric_source_invoice(record: Mapping[str, Any], account: str) -> Invoice:
    """A fabric invoice from a file: its identity must not change when the file is read again.

    Without an invoiceId, the id derives from the invoiceNumber (unique per account); the
    record's updatedAt orders its versions.
    """
    if not record.get("invoiceId") and isinstance(record.get("invoiceNumber"), str):
        digest = hashlib.sha256(f"{account}:{FABRIC_SYSTEM}:{record['invoiceNumber']}".encode())
        record = {**record, "invoiceId": digest.hexdigest()[:24]}
    invoice = fabric_invoice(record, account, source_system=FABRIC_SYSTEM)
    source = InvoiceSource(system=FABRIC_SYSTEM, id=invoice.invoiceId, modifiedAt=invoice.updatedAt)
    return invoice.model_copy(update={"source": source})


def invoice_number(record: Mapping[str, Any]) -> str | None:
    number = record.get("invoiceNumber", record.get("number"))
    return str(number) if number not in (None, "") else None


def rejection(source: SourceRecord, error: Exception) -> Rejection:
    """The rejection of a record that failed mapping or validation, naming the field."""
    number = invoice_number(source.data) if source.data else None
    if isinstance(error, AkinonRecordError):
        return Rejection(source.position, number, error.path, error.reason, source.original)
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        extra = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        reason = first["msg"].removeprefix("Value error, ") + extra
        return Rejection(source.position, number, path, reason, source.original)
    return Rejection(source.position, number, None, str(error), source.original)


def _rejected(source: SourceRecord, found: Rejection) -> RecordResult:
    return RecordResult(source.position, RecordStatus.REJECTED, rejection=found)


def map_record(
    source: SourceRecord,
    account: str,
    channel: str | None = None,
    mapper: Mapper = to_invoice,
) -> Invoice | RecordResult:
    """The record's invoice, or its rejection."""
    if source.data is None:
        return _rejected(
            source, Rejection(source.position, None, None, source.error or "", source.original)
        )
    try:
        invoice = mapper(source.data, account)
    except (AkinonRecordError, ValidationError) as error:
        return _rejected(source, rejection(source, error))
    if channel is not None and invoice.channelId != channel:
        reason = f"channel {invoice.channelId} is outside the channel {channel} of this request"
        found = Rejection(
            source.position, invoice.invoiceNumber, "channelId", reason, source.original
        )
        return _rejected(source, found)
    return invoice


async def ingest_batch(
    records: Sequence[SourceRecord], writer: InvoiceWriter, mapper: Mapper = to_invoice
) -> list[RecordResult]:
    """Map every record, write the valid ones in one batch; one result per record, in order.

    The writer's actor names who ingests in the audit entries of updates.
    """
    results: list[RecordResult | None] = []
    valid: list[tuple[int, SourceRecord, Invoice]] = []
    for source in records:
        mapped = map_record(source, writer.scope.account, writer.scope.channel, mapper)
        if isinstance(mapped, Invoice):
            valid.append((len(results), source, mapped))
            results.append(None)
        else:
            results.append(mapped)
    writes = await writer.upsert_from_source([invoice for _, _, invoice in valid])
    for (index, source, invoice), write in zip(valid, writes, strict=True):
        results[index] = _result(source, invoice, write)
    return [result for result in results if result is not None]


def _result(source: SourceRecord, invoice: Invoice, write: SourceWrite) -> RecordResult:
    if write.outcome is SourceOutcome.CONFLICT:
        found = Rejection(
            source.position,
            invoice.invoiceNumber,
            write.field,
            write.reason or "conflict",
            source.original,
        )
        return _rejected(source, found)
    status = _STATUS_OF[write.outcome]
    return RecordResult(source.position, status, write.invoice_id, write.version)


async def ingest_records(
    records: Iterable[SourceRecord] | AsyncIterable[SourceRecord],
    invoices: ScopedInvoices,
    *,
    actor: str = INGEST_ACTOR,
    batch_size: int = BATCH_SIZE,
    listener: BatchListener | None = None,
    mapper: Mapper = to_invoice,
) -> IngestReport:
    """Ingest every record a batch at a time; the report accounts for each one."""
    report = IngestReport()
    writer = InvoiceWriter(invoices, actor)
    async for batch in _batches(records, batch_size):
        results = await ingest_batch(batch, writer, mapper)
        for result in results:
            report.add(result)
        if listener is not None:
            listener(results)
    return report


async def _batches(
    records: Iterable[SourceRecord] | AsyncIterable[SourceRecord], size: int
) -> AsyncIterable[list[SourceRecord]]:
    if isinstance(records, AsyncIterable):
        batch: list[SourceRecord] = []
        async for record in records:
            batch.append(record)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


class UnreadableSource(Exception):
    """A source none of whose records could be read (a missing file, bad encoding)."""


def load_records(path: Path) -> list[SourceRecord]:
    """Every record of a file; UnreadableSource when the file itself cannot be read."""
    try:
        return list(read_records(path))
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableSource(f"cannot read {path}: {error}") from None


async def ingest_file(
    path: Path,
    invoices: ScopedInvoices,
    *,
    actor: str = INGEST_ACTOR,
    listener: BatchListener | None = None,
    mapper: Mapper = to_invoice,
) -> IngestReport:
    """Ingest one file; UnreadableSource when it cannot be read at all."""
    return await ingest_records(
        load_records(path), invoices, actor=actor, listener=listener, mapper=mapper
    )
