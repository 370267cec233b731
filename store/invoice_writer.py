"""Changing invoices: each change one atomic, audited, versioned update, with its event.

No change needs more than its own invoice document, so none needs a transaction (the
embedded store has none). A change reads the fields its request needs, checks them,
and writes with those values as conditions: `$inc` the version, `$push` the audit
entry and the pending event (store/domain/events.py), `$set`/`$unset` the fields; the relay
copies the event into the feed (store/event_relay.py). When the invoice changed in
between, the update matches nothing and the change starts over from a fresh read (a
bounded number of times), or, under `expected_version`, is refused with the current
version.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from store.domain.changes import Change, ChangeRequest, ChangeType
from store.domain.documents import AuditLog, Invoice, InvoiceBody, UpdatedField
from store.domain.enums import StatusCode
from store.domain.events import PENDING_EVENTS, pending_event
from store.domain.field_names import unsafe_key_problems
from store.domain.identifiers import new_audit_id
from store.domain.instants import now_instant
from store.domain.lifecycle import INITIAL_INVOICE_STATUS, INVOICE_STATUS_TRANSITIONS
from store.domain.message_values import shown
from store.domain.refusals import (
    DUPLICATE,
    INVALID_INPUT,
    NOT_FOUND,
    VERSION_CONFLICT,
    ChangeRefused,
    Refusal,
    refuse,
)
from store.domain.totals import totals_problems
from store.invoices import CHANGE_CLOCK, DuplicateInvoice, Scope, ScopedInvoices, from_document
from store.search_keys import UPDATED_AT
from store.size import MAX_DOCUMENT_BYTES, document_bytes, length_problems, too_large
from store.source_changes import audit_text
from store.source_upsert import SourceWrite

MAX_ATTEMPTS = 10
"""Fresh reads a change without expected_version gets while other writers keep winning."""

AUDIT_SOURCE = "API"


class InvoiceWriter:
    """The changes one caller makes to the invoices of its scope."""

    def __init__(self, invoices: ScopedInvoices, actor: str) -> None:
        # Writes see deleted invoices: changing one is refused as a transition, not hidden.
        self._invoices = invoices.including_deleted()
        self._events = invoices.events
        self.actor = actor

    @property
    def scope(self) -> Scope:
        return self._invoices.scope

    async def upsert_from_source(self, invoices: Sequence[Invoice]) -> list[SourceWrite]:
        """Store, update or skip source records by source key (ingest), as this actor."""
        return await self._invoices.upsert_from_source(invoices, self.actor)

    def _audit_entry(
        self, change_type: ChangeType, audit_id: str, at: str, previous: dict[str, Any]
    ) -> AuditLog:
        return AuditLog(
            auditId=audit_id,
            auditType=change_type.value,
            employeeId=self.actor,
            auditTimestamp=at,
            source=AUDIT_SOURCE,
            updatedFields=[
                UpdatedField(fieldName=name, fieldOriginalValue=audit_text(value))
                for name, value in previous.items()
            ],
        )

    def _event(
        self, invoice: Invoice, change_type: ChangeType, audit_id: str, time: str, fields: list[str]
    ) -> dict[str, Any]:
        return pending_event(
            audit_id, invoice.account, invoice.channelId, change_type, time, fields, self.actor
        )

    async def create(self, invoice: Invoice) -> Invoice:
        """Store a new invoice in its initial state, with its CREATE audit entry and event."""
        problems = creation_problems(invoice)
        if problems:
            raise ChangeRefused(problems)
        status = invoice.invoiceStatus or INITIAL_INVOICE_STATUS
        at, audit_id = invoice.createdAt, new_audit_id()
        audit = self._audit_entry(ChangeType.CREATE, audit_id, at, {})
        created = invoice.model_copy(
            update={
                "invoiceStatus": status,
                "statusCode": StatusCode.CREATED,
                "updatedAt": at,
                "auditLogs": [audit],
                "version": 1,
            }
        )
        event = self._event(created, ChangeType.CREATE, audit_id, at, [])
        try:
            await self._invoices.insert(created, changed_at=at, pending=event)
        except DuplicateInvoice as duplicate:
            raise _duplicate_refusal(duplicate) from None
        self._events.changed()
        return created

    async def apply(
        self, invoice_id: str, request: ChangeRequest, expected_version: int | None = None
    ) -> Invoice:
        """Make the requested change; ChangeRefused when it is not found, allowed or current."""
        if expected_version is not None and expected_version < 1:
            raise refuse(INVALID_INPUT, "expectedVersion starts at 1", "expectedVersion")
        for _ in range(MAX_ATTEMPTS):
            # The whole invoice: its size decides whether the change may grow it.
            stored = await self._invoices.get_document(invoice_id)
            if stored is None:
                missing = f"no invoice {shown(invoice_id)} in this account"
                raise refuse(NOT_FOUND, missing, "invoiceId")
            current = from_document(stored)
            if expected_version is not None and current.version != expected_version:
                raise _conflict(expected_version, current.version)
            at = now_instant()
            try:
                change = request.change_for(current, at)
            except ChangeRefused as refused:  # decided against this version: the client's cue
                raise at_version(refused, current.version) from None
            if not change.sets and not change.unsets:
                return current  # it changes nothing: no version, no audit entry, no event
            _check_growth(stored, change)
            changed = await self._write(current, change, at, expected_version)
            if changed is not None:
                return changed
        raise refuse(
            VERSION_CONFLICT,
            f"invoice {shown(invoice_id)} kept changing under this change "
            f"({MAX_ATTEMPTS} attempts); read it again and retry",
            "invoiceId",
        )

    async def _write(
        self, current: Invoice, change: Change, at: str, expected_version: int | None
    ) -> Invoice | None:
        """The one atomic update of a change, with its event; None when the invoice moved on."""
        audit_id = new_audit_id()
        audit = self._audit_entry(change.type, audit_id, at, change.previous)
        event = self._event(current, change.type, audit_id, at, list(change.previous))
        update: dict[str, Any] = {
            "$inc": {"version": 1},
            "$push": {
                "auditLogs": audit.model_dump(mode="json", exclude_none=True),
                PENDING_EVENTS: event,
            },
            "$set": {**change.sets, "updatedAt": at, UPDATED_AT: at},
            "$max": {CHANGE_CLOCK: at},
        }
        if change.unsets:
            update["$unset"] = dict.fromkeys(change.unsets, "")
        # The event names the invoice's channel: written only while it is the one read.
        conditions = {**change.conditions, "channelId": {"$eq": current.channelId}}
        if expected_version is not None:
            conditions["version"] = expected_version
        document = await self._invoices.update_if(current.invoiceId, conditions, update)
        if document is None:
            return None
        self._events.changed()
        return from_document(document)


def creation_problems(invoice: InvoiceBody) -> list[Refusal]:
    """Every reason a valid invoice cannot be created: start status, blank number, totals, keys."""
    problems = []
    status = invoice.invoiceStatus or INITIAL_INVOICE_STATUS
    starts = INVOICE_STATUS_TRANSITIONS[None]
    if status not in starts:
        choices = ", ".join(sorted(state.value for state in starts))
        problems.append(
            Refusal(
                INVALID_INPUT,
                f"a new invoice cannot start as {status.value}; it can start as {choices}",
                "invoiceStatus",
            )
        )
    if invoice.invoiceNumber is not None and not invoice.invoiceNumber.strip():
        problems.append(Refusal(INVALID_INPUT, "invoiceNumber is blank", "invoiceNumber"))
    problems += totals_problems(invoice)
    dumped = invoice.model_dump(mode="json", exclude_none=True)
    problems += unsafe_key_problems(dumped, [])
    problems += [Refusal(INVALID_INPUT, why, path) for path, why in length_problems(dumped)]
    if not problems and (size := document_bytes(dumped)) > MAX_DOCUMENT_BYTES:
        problems.append(Refusal(INVALID_INPUT, too_large(size), None))
    return problems


def at_version(refused: ChangeRefused, version: int) -> ChangeRefused:
    """The refusal with the version of the invoice it was decided against."""
    return ChangeRefused(replace(refusal, current_version=version) for refusal in refused.refusals)


def _check_growth(stored: dict[str, Any], change: Change) -> None:
    """Refuse a change that would take the invoice past its size cap (store/size.py).

    Counted generously: the values set, and again in the audit entry with the values they
    replace.
    """
    size = document_bytes(stored) + 2 * document_bytes({"sets": change.sets})
    size += document_bytes({"previous": change.previous}) + 1024
    if size > MAX_DOCUMENT_BYTES:
        field = "attributes" if change.type is ChangeType.ATTRIBUTES_UPDATE else None
        raise refuse(INVALID_INPUT, too_large(size), field)


def _conflict(expected: int, current: int) -> ChangeRefused:
    return refuse(
        VERSION_CONFLICT,
        f"expectedVersion is {expected} but the invoice is at version {current}",
        "expectedVersion",
        current_version=current,
    )


def _duplicate_refusal(duplicate: DuplicateInvoice) -> ChangeRefused:
    named = [key for key in ("invoiceNumber", "invoiceId") if key in duplicate.key]
    field = named[0] if named else "invoiceNumber"
    value = duplicate.key.get(field)
    taken = f"this account already has an invoice with {field} {shown(value)}"
    return refuse(DUPLICATE, taken, field)
