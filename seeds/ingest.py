"""Ingest: source records -> fabric invoices -> the store, with every rejection reported."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seeds.akinon import AkinonRecordError, map_akinon_invoice
from seeds.fabric import fabric_invoice
from seeds.sources import SourceRecord, read_records
from store.documents import Invoice
from store.invoices import DuplicateInvoice, ScopedInvoices


@dataclass(frozen=True)
class Rejection:
    """A record that did not land, and why."""

    position: int
    invoice_number: str | None
    path: str | None
    reason: str

    def describe(self, source: str) -> str:
        number = self.invoice_number or "-"
        where = f" at {self.path}" if self.path else ""
        return f"{source}: record {self.position} (invoice {number}) rejected{where}: {self.reason}"


@dataclass
class IngestReport:
    """What one ingest did; read = stored + rejected."""

    read: int = 0
    stored: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def is_akinon_record(record: Mapping[str, Any]) -> bool:
    return "invoiceitem_set" in record or "invoice_type" in record


def _invoice_number(record: Mapping[str, Any]) -> str | None:
    number = record.get("invoiceNumber", record.get("number"))
    return str(number) if number not in (None, "") else None


def to_invoice(record: Mapping[str, Any], account: str) -> Invoice:
    """Map a record of either source system to a validated invoice of `account`."""
    if is_akinon_record(record):
        return map_akinon_invoice(record, account)
    return fabric_invoice(record, account)


def _rejection(source: SourceRecord, error: Exception) -> Rejection:
    number = _invoice_number(source.data) if source.data else None
    if isinstance(error, AkinonRecordError):
        return Rejection(source.position, number, error.path, error.reason)
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        extra = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        return Rejection(source.position, number, path, first["msg"] + extra)
    return Rejection(source.position, number, None, str(error))


async def ingest_records(records: Iterable[SourceRecord], invoices: ScopedInvoices) -> IngestReport:
    report = IngestReport()
    for source in records:
        report.read += 1
        if source.data is None:
            report.rejected.append(Rejection(source.position, None, None, source.error or ""))
            continue
        try:
            invoice = to_invoice(source.data, invoices.scope.account)
            await invoices.insert(invoice)
        except (AkinonRecordError, ValidationError, DuplicateInvoice) as error:
            report.rejected.append(_rejection(source, error))
            continue
        report.stored += 1
    return report


async def ingest_file(path: Path, invoices: ScopedInvoices) -> IngestReport:
    try:
        records = list(read_records(path))
    except (OSError, UnicodeDecodeError) as error:
        report = IngestReport(read=0)
        report.rejected.append(Rejection(0, None, None, f"cannot read {path}: {error}"))
        return report
    return await ingest_records(records, invoices)
