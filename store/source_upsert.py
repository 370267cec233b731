"""Idempotent ingest: invoices upserted by their source key, a batch in two commands.

An invoice from a source system is identified by (account, source.system, source.id),
which the unique index `account_source` guards. For each incoming document the batch is
compared with what is stored (one find by source keys), and the changes go out in one
unordered bulk write:

- not stored yet: STORED, as given (version 1), with a CREATE event;
- `source.modifiedAt` older than the stored one: STALE, ignored;
- the same `source.modifiedAt`, or nothing differs: UNCHANGED (no version, no audit entry);
- a deleted invoice that would change: CONFLICT, not written (deleted means final);
- otherwise UPDATED: version + 1 and a SOURCE_UPDATE audit entry naming each changed field
  with its previous value; invoiceId, auditLogs and the API's lifecycle fields are kept.

Each event is written as pending into its invoice by the same insert or update
(store/domain/events.py), so a stored or updated invoice never lacks its event.

Every update is conditional on the version it was compared with, and every insert meets
the unique index, so concurrent writers never produce a second document or lose a
change: a write that lost a race is compared again with what won (docs/ingest.md).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import bson
from bson.errors import InvalidDocument

from store.client import BulkWriteError, Collection, Document, InsertOne, UpdateMany
from store.domain.changes import ChangeType
from store.domain.documents import AuditLog, UpdatedField
from store.domain.enums import InvoiceStatus
from store.domain.events import PENDING_EVENTS, pending_event
from store.domain.identifiers import new_audit_id
from store.domain.instants import now_instant
from store.domain.message_values import shown
from store.event_feed import ScopedEvents
from store.search_keys import COMPANIONS
from store.size import MAX_DOCUMENT_BYTES, length_problems, too_large
from store.source_changes import audit_text, changed_fields, merged

SOURCE_KEY = ("account", "source.system", "source.id")
"""The fields of the unique index `account_source`."""

SOURCE_UPDATE = ChangeType.SOURCE_UPDATE.value
"""The auditType of a change made by a newer record from the source system."""

VERSIONS = {"_id": 1, "account": 1, "source": 1, "invoiceId": 1, "version": 1}
"""What settles most records: whether the source key is stored, and from which modifiedAt."""

MAX_ROUNDS = 5
"""Times a record is compared again after losing a race to another writer."""

DUPLICATE_KEY = 11000

DELETED = InvoiceStatus.DELETED.value


class SourceOutcome(Enum):
    """What upserting one source document did."""

    STORED = "stored"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    CONFLICT = "conflict"
    """Not written: it clashes with another invoice (`reason` says how)."""


@dataclass(frozen=True)
class SourceWrite:
    """The outcome for one incoming document, and the invoice's version after it."""

    outcome: SourceOutcome
    invoice_id: str
    version: int | None = None
    changed_fields: tuple[str, ...] = ()
    reason: str | None = None
    field: str | None = None
    """On CONFLICT, the field that clashes, when one does."""


@dataclass
class _Draft:
    """The draft of one stored invoice (one source key) in one round: as stored, and as
    the batch leaves it."""

    stored: Document | None
    current: Document | None
    audit_ids: list[str] = field(default_factory=list)
    """The audit entries this round adds, oldest first."""
    events: list[Document] = field(default_factory=list)
    """The pending events this round adds (store/domain/events.py), oldest first."""
    positions: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.current is not self.stored


Clash = tuple[_Draft, str | None, str]
"""A draft that cannot be written: the field at fault (if one is) and why."""


def source_key(document: Mapping[str, Any]) -> tuple[str, str, str]:
    source = document["source"]
    return (document["account"], source["system"], source["id"])


class SourceUpsert:
    """Upserts the documents of one account by source key (see the module docstring)."""

    def __init__(
        self,
        collection: Collection,
        account: str,
        actor: str,
        events: ScopedEvents | None = None,
        clock: str | None = None,
        channel: str | None = None,
    ) -> None:
        """`events` (when given) gets an event per store and update; `clock` names the
        invoices' change clock.

        `channel`, when the caller is scoped to one, narrows every update like the account.
        """
        self._collection = collection
        self.account = account
        self._owner = {"account": account} | ({"channelId": channel} if channel else {})
        self.actor = actor
        self._events = events
        self._clock = clock

    async def run(self, documents: Sequence[Document]) -> list[SourceWrite]:
        """One SourceWrite per document, in order."""
        for document in documents:
            if document.get("account") != self.account or not document.get("source"):
                raise ValueError("source upserts take documents of this account with a source")
        results: list[SourceWrite | None] = [None] * len(documents)
        pending = []
        for position, document in enumerate(documents):
            problem = _unstorable(document)
            if problem is None:
                pending.append(position)
            else:
                results[position] = SourceWrite(
                    SourceOutcome.CONFLICT, document["invoiceId"], reason=problem
                )
        for _ in range(MAX_ROUNDS):
            if not pending:
                break
            pending = await self._round(documents, pending, results)
        for position in pending:
            results[position] = SourceWrite(
                SourceOutcome.CONFLICT,
                documents[position]["invoiceId"],
                reason=f"other writers kept changing this invoice ({MAX_ROUNDS} attempts)",
            )
        return [result for result in results if result is not None]

    async def _round(
        self,
        documents: Sequence[Document],
        pending: Sequence[int],
        results: list[SourceWrite | None],
    ) -> list[int]:
        """Compare, write, and return the positions to compare again."""
        stored = await self._read([documents[position] for position in pending])
        at = now_instant()
        drafts: dict[tuple[str, str, str], _Draft] = {}
        for position in pending:
            key = source_key(documents[position])
            draft = drafts.setdefault(key, _Draft(stored.get(key), stored.get(key)))
            draft.positions.append(position)
            results[position] = self._compare(draft, documents[position], at)
        written = [draft for draft in drafts.values() if draft.changed]
        failed, conflicts = await self._write(written)
        if self._events is not None and len(failed) + len(conflicts) < len(written):
            self._events.changed()
        retry = []
        for draft in failed:
            retry.extend(draft.positions)
        for draft, clashing_field, reason in conflicts:
            for position in draft.positions:
                results[position] = SourceWrite(
                    SourceOutcome.CONFLICT,
                    documents[position]["invoiceId"],
                    reason=reason,
                    field=clashing_field,
                )
        return sorted(retry)

    async def _read(self, incoming: Sequence[Document]) -> dict[tuple[str, str, str], Document]:
        """The stored documents of these source keys: versions first, whole ones when needed.

        Only a record that may be newer needs the stored invoice itself (to merge and to
        audit); a new, the same or an older one is settled by `source.modifiedAt`.
        """
        keys = list(dict.fromkeys(source_key(document) for document in incoming))
        stored = {
            source_key(document): document
            for document in await self._collection.find_by_keys(SOURCE_KEY, keys, VERSIONS)
        }
        newer = [
            key
            for key, document in zip(map(source_key, incoming), incoming, strict=True)
            if key in stored and _may_be_newer(document, stored[key])
        ]
        if newer:
            for document in await self._collection.find_by_keys(
                SOURCE_KEY, list(dict.fromkeys(newer))
            ):
                stored[source_key(document)] = document
        return stored

    def _compare(self, draft: _Draft, incoming: Document, at: str) -> SourceWrite:
        """The outcome of one document against the key's current state, which it may advance."""
        current = draft.current
        if current is None:
            draft.current = incoming
            self._add_event(draft, incoming, ChangeType.CREATE, new_audit_id(), at, ())
            return SourceWrite(SourceOutcome.STORED, incoming["invoiceId"], incoming["version"])
        same = SourceWrite(SourceOutcome.UNCHANGED, current["invoiceId"], current["version"])
        before = current["source"].get("modifiedAt")
        after = incoming["source"].get("modifiedAt")
        if before and after and after < before:
            return SourceWrite(SourceOutcome.STALE, current["invoiceId"], current["version"])
        if before and after and after == before:
            return same
        candidate = merged(current, incoming)
        changes = changed_fields(current, candidate)
        if not changes:
            return same
        if current.get("invoiceStatus") == DELETED:
            # A deleted invoice no longer changes at all (docs/lifecycle.md), not even here.
            return SourceWrite(
                SourceOutcome.CONFLICT,
                current["invoiceId"],
                reason=f"invoice {current['invoiceId']} was deleted: it takes no source updates",
            )
        audit = AuditLog(
            auditId=new_audit_id(),
            auditType=SOURCE_UPDATE,
            employeeId=self.actor,
            auditTimestamp=at,
            source=incoming["source"]["system"],
            updatedFields=[
                UpdatedField(fieldName=path, fieldOriginalValue=audit_text(value))
                for path, value in changes.items()
            ],
        )
        candidate["auditLogs"] = [
            *(current.get("auditLogs") or []),
            audit.model_dump(mode="json", exclude_none=True),
        ]
        candidate["version"] = current["version"] + 1
        time = at
        if self._clock is not None:
            # The change clock never goes backwards for one invoice (docs/lifecycle.md).
            time = candidate[self._clock] = max(current.get(self._clock) or at, at)
        draft.current = candidate
        draft.audit_ids.append(audit.auditId or "")
        self._add_event(
            draft, candidate, ChangeType.SOURCE_UPDATE, audit.auditId or "", time, changes
        )
        return SourceWrite(
            SourceOutcome.UPDATED, candidate["invoiceId"], candidate["version"], tuple(changes)
        )

    def _add_event(
        self,
        draft: _Draft,
        invoice: Document,
        change_type: ChangeType,
        audit_id: str,
        time: str,
        paths: Iterable[str],
    ) -> None:
        if self._events is not None:
            draft.events.append(
                pending_event(
                    audit_id,
                    self.account,
                    invoice.get("channelId"),
                    change_type,
                    time,
                    list(paths),
                    self.actor,
                )
            )

    async def _write(self, drafts: Sequence[_Draft]) -> tuple[list[_Draft], list[Clash]]:
        """One bulk write; returns the drafts that lost a race and those that clash."""
        if not drafts:
            return [], []
        operations = [_operation(draft, self._clock, self._owner) for draft in drafts]
        try:
            result = await self._collection.bulk_write(operations)
            errors: list[dict[str, Any]] = []
            matched = result.matched_count
        except BulkWriteError as bulk_error:
            errors = bulk_error.details.get("writeErrors", [])
            matched = bulk_error.details.get("nMatched", 0)
        failed_at = {error["index"]: error for error in errors}
        lost: list[_Draft] = []
        clashes: list[Clash] = []
        duplicates: list[_Draft] = []
        for index, draft in enumerate(drafts):
            error = failed_at.get(index)
            if error is None:
                continue
            if error.get("code") == DUPLICATE_KEY:
                duplicates.append(draft)
            else:
                clashes.append((draft, None, f"the store refused the write: {error.get('errmsg')}"))
        updates = [
            draft for index, draft in enumerate(drafts) if draft.stored and index not in failed_at
        ]
        if matched < len(updates):
            lost.extend(await self._unapplied(updates))
        lost_dup, clashing = await self._explain_duplicates(duplicates)
        return lost + lost_dup, clashes + clashing

    async def _unapplied(self, updates: Sequence[_Draft]) -> list[_Draft]:
        """The updates another writer overtook: their audit entry is not stored.

        Membership, not position: a writer landing after ours appends its own entry.
        """
        keys = [source_key(draft.stored) for draft in updates if draft.stored]
        found = await self._collection.find_by_keys(
            SOURCE_KEY, keys, {"account": 1, "source": 1, "auditLogs.auditId": 1}
        )
        audit_ids = {
            source_key(document): {entry.get("auditId") for entry in document.get("auditLogs", [])}
            for document in found
        }
        return [
            draft
            for draft in updates
            if draft.stored
            and draft.audit_ids[-1] not in audit_ids.get(source_key(draft.stored), set())
        ]

    async def _explain_duplicates(
        self, drafts: Sequence[_Draft]
    ) -> tuple[list[_Draft], list[Clash]]:
        """A clash on the source key lost a race (compare again); on another key, a conflict."""
        if not drafts:
            return [], []
        wanted = [draft.current for draft in drafts if draft.current is not None]
        taken_numbers = {
            document["invoiceNumber"]: document
            for document in await self._collection.find_by_keys(
                ("account", "invoiceNumber"),
                [(self.account, document["invoiceNumber"]) for document in wanted],
                {"account": 1, "invoiceNumber": 1, "invoiceId": 1, "source": 1},
            )
        }
        taken_ids = {
            document["invoiceId"]: document
            for document in await self._collection.find_by_keys(
                ("account", "invoiceId"),
                [(self.account, document["invoiceId"]) for document in wanted],
                {"account": 1, "invoiceNumber": 1, "invoiceId": 1, "source": 1},
            )
        }
        lost: list[_Draft] = []
        clashes: list[Clash] = []
        for draft in drafts:
            document = draft.current or {}
            key = source_key(document)
            other = taken_numbers.get(document.get("invoiceNumber"))
            if other is not None and _source_of(other) != key:
                clashes.append((draft, "invoiceNumber", _clash("invoiceNumber", document, other)))
                continue
            other = taken_ids.get(document.get("invoiceId"))
            if other is not None and _source_of(other) != key:
                clashes.append((draft, "invoiceId", _clash("invoiceId", document, other)))
                continue
            lost.append(draft)  # the same source key, stored meanwhile by another writer
        return lost, clashes


def _may_be_newer(incoming: Document, stored: Document) -> bool:
    """Whether `incoming` may change `stored`: newer, or without times to tell."""
    before = stored["source"].get("modifiedAt")
    after = incoming["source"].get("modifiedAt")
    return not (before and after and after <= before)


def _unstorable(document: Document) -> str | None:
    """Why MongoDB cannot hold a document (a NUL in a key, an integer past 64 bits, over the
    size cap of store/size.py), if it cannot.

    Checked one by one: such a document would fail its whole bulk write, not only itself.
    """
    too_long = length_problems(document)
    if too_long:
        return too_long[0][1]
    try:
        size = len(bson.encode(document))
    except (InvalidDocument, OverflowError) as error:
        return f"MongoDB cannot store this record: {error}"
    return too_large(size) if size > MAX_DOCUMENT_BYTES else None


def _operation(
    draft: _Draft, clock: str | None, owner: Mapping[str, str]
) -> InsertOne | UpdateMany:
    """The write that takes the stored document (if any) to the draft's current one."""
    current = draft.current or {}
    if draft.stored is None:
        return InsertOne(
            {**current, PENDING_EVENTS: draft.events} if draft.events else dict(current)
        )
    stored = draft.stored
    written = {*COMPANIONS, clock}
    sets = {
        key: value
        for key, value in current.items()
        if (key in written or not key.startswith("_")) and stored.get(key) != value
    }
    unsets = {key: "" for key in stored if not key.startswith("_") and key not in current}
    update: dict[str, Any] = {"$set": sets}
    if unsets:
        update["$unset"] = unsets
    if draft.events:
        # With the change itself: its events can never be lost (store/domain/events.py).
        update["$push"] = {PENDING_EVENTS: {"$each": draft.events}}
    # Only while the invoice is as it was read: otherwise the next round compares again.
    # `_id` pins one document: UpdateMany is the UpdateOne both backends take in bulk.
    # The owner (account, channel) is repeated as defence in depth: never another tenant's.
    return UpdateMany({"_id": stored["_id"], **owner, "version": stored["version"]}, update)


def _source_of(document: Mapping[str, Any]) -> tuple[str, str, str] | None:
    source = document.get("source") or {}
    if "system" not in source or "id" not in source:
        return None
    return (document.get("account", ""), source["system"], source["id"])


def _clash(field_name: str, document: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    source = other.get("source") or {}
    owner = f" (from {source['system']} record {source['id']})" if source else ""
    return (
        f"{field_name} {shown(document.get(field_name))} already belongs to invoice "
        f"{other.get('invoiceId')}{owner}"
    )
