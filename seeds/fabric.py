"""fabric-shaped invoices from files or clients: validated into stored invoices."""

from collections.abc import Mapping
from typing import Any

from store.domain.documents import Invoice, InvoiceBody, InvoiceSource
from store.domain.identifiers import new_invoice_id
from store.domain.instants import now_instant


def fabric_invoice(
    record: Mapping[str, Any], account: str, source_system: str = "fabric", version: int = 1
) -> Invoice:
    """Validate a fabric invoice and complete what storage requires.

    A missing invoiceId gets a fresh one, createdAt defaults to now and invoiceDate
    to createdAt; invoiceNumber and invoiceTotal must be present.
    """
    body = InvoiceBody.model_validate(record)
    fields = body.model_dump(exclude_none=True)
    fields["invoiceId"] = body.invoiceId or new_invoice_id()
    fields.setdefault("createdAt", now_instant())
    fields.setdefault("invoiceDate", fields["createdAt"])
    fields["account"] = account
    fields["version"] = version
    fields["source"] = InvoiceSource(system=source_system, id=fields["invoiceId"])
    return Invoice.model_validate(fields)
