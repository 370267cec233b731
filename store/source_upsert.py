"""Idempotent ingest: invoices upserted by their source key, a batch in two commands.

An invoice from a source system is identified by (account, source.system, source.id),
which the unique index `account_source` guards. For each incoming document the batch is
compared with what is stored (one find by source keys), and the changes go out in one
unordered bulk write:

- not stored yet: STORED, as given (version 1);
- `source.modifiedAt` older than the stored one: STALE, ignored;
- the same `source.modifiedAt`, or nothing differs: UNCHANGED (no version, no audit entry);
- otherwise UPDATED: version + 1 and a SOURCE_UPDATE audit entry naming each changed field
  with its previous value; invoiceId, auditLogs and the API's lifecycle fields are kept.

Every update is conditional on the version it was compared with, and every insert meets
the unique index, so concurrent writers never produce a second document or lose a
change: a write that lost a race is compared again with what won (docs/ingest.md).
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson

from store.client import BulkWriteError, Collection, Document, InsertOne, UpdateMany
from store.documents import AuditLog, UpdatedField
from store.instants import now_instant

SOURCE_KEY = ("account", "source.system", "source.id")
"""The fields of the unique index `account_source`."""

SOURCE_UPDATE = "SOURCE_UPDATE"
"""The auditType of a change made by a newer record from the source system."""

LIFECYCLE_FIELDS = ("statusCode", "postedAt", "acknowledgedAt")
"""Set by this API's lifecycle (invoicePost, invoiceAcknowledge), never by a source record."""

BOOKKEEPING = frozenset({"version", "auditLogs"})
"""Fields a source update maintains itself instead of comparing them."""

MAX_ROUNDS = 5
"""Times a record is compared again after losing a race to another writer."""

DUPLICATE_KEY = 11000


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
class _Plan:
    """One source key in one round: as stored, and as the batch leaves it."""

    stored: Document | None
    current: Document | None
    audit_ids: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.current is not self.stored


Clash = tuple[_Plan, str | None, str]
"""A plan that cannot be written: the field at fault (if one is) and why."""


def source_key(document: Mapping[str, Any]) -> tuple[str, str, str]:
    source = document["source"]
    return (document["account"], source["system"], source["id"])


class SourceUpsert:
    """Upserts the documents of one account by source key (see the module docstring)."""

    def __init__(self, collection: Collection, account: str, actor: str) -> None:
        self._collection = collection
        self.account = account
        self.actor = actor

    async def run(self, documents: Sequence[Document]) -> list[SourceWrite]:
        """One SourceWrite per document, in order."""
        for document in documents:
            if document.get("account") != self.account or not document.get("source"):
                raise ValueError("source upserts take documents of this account with a source")
        results: list[SourceWrite | None] = [None] * len(documents)
        pending = list(range(len(documents)))
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
        keys = list(dict.fromkeys(source_key(documents[position]) for position in pending))
        stored = {
            source_key(document): document
            for document in await self._collection.find_by_keys(SOURCE_KEY, keys)
        }
        plans: dict[tuple[str, str, str], _Plan] = {}
        for position in pending:
            key = source_key(documents[position])
            plan = plans.setdefault(key, _Plan(stored.get(key), stored.get(key)))
            plan.positions.append(position)
            results[position] = self._compare(plan, documents[position])
        written = [plan for plan in plans.values() if plan.changed]
        failed, conflicts = await self._write(written)
        retry = []
        for plan in failed:
            retry.extend(plan.positions)
        for plan, clashing_field, reason in conflicts:
            for position in plan.positions:
                results[position] = SourceWrite(
                    SourceOutcome.CONFLICT,
                    documents[position]["invoiceId"],
                    reason=reason,
                    field=clashing_field,
                )
        return sorted(retry)

    def _compare(self, plan: _Plan, incoming: Document) -> SourceWrite:
        """The outcome of one document against the key's current state, which it may advance."""
        current = plan.current
        if current is None:
            plan.current = incoming
            return SourceWrite(SourceOutcome.STORED, incoming["invoiceId"], incoming["version"])
        same = SourceWrite(SourceOutcome.UNCHANGED, current["invoiceId"], current["version"])
        before = current["source"].get("modifiedAt")
        after = incoming["source"].get("modifiedAt")
        if before and after and after < before:
            return SourceWrite(SourceOutcome.STALE, current["invoiceId"], current["version"])
        if before and after and after == before:
            return same
        candidate = _merged(current, incoming)
        changes = changed_fields(current, candidate)
        if not changes:
            return same
        audit = AuditLog(
            auditId=secrets.token_hex(12),
            auditType=SOURCE_UPDATE,
            employeeId=self.actor,
            auditTimestamp=now_instant(),
            source=incoming["source"]["system"],
            updatedFields=[
                UpdatedField(fieldName=path, fieldOriginalValue=_audit_text(value))
                for path, value in changes.items()
            ],
        )
        candidate["auditLogs"] = [
            *(current.get("auditLogs") or []),
            audit.model_dump(mode="json", exclude_none=True),
        ]
        candidate["version"] = current["version"] + 1
        plan.current = candidate
        plan.audit_ids.append(audit.auditId or "")
        return SourceWrite(
            SourceOutcome.UPDATED, candidate["invoiceId"], candidate["version"], tuple(changes)
        )

    async def _write(self, plans: Sequence[_Plan]) -> tuple[list[_Plan], list[Clash]]:
        """One bulk write; returns the plans that lost a race and those that clash."""
        if not plans:
            return [], []
        operations = [_operation(plan) for plan in plans]
        try:
            result = await self._collection.bulk_write(operations)
            errors: list[dict[str, Any]] = []
            matched = result.matched_count
        except BulkWriteError as bulk_error:
            errors = bulk_error.details.get("writeErrors", [])
            matched = bulk_error.details.get("nMatched", 0)
        failed_at = {error["index"]: error for error in errors}
        lost: list[_Plan] = []
        clashes: list[Clash] = []
        duplicates: list[_Plan] = []
        for index, plan in enumerate(plans):
            error = failed_at.get(index)
            if error is None:
                continue
            if error.get("code") == DUPLICATE_KEY:
                duplicates.append(plan)
            else:
                clashes.append((plan, None, f"the store refused the write: {error.get('errmsg')}"))
        updates = [
            plan for index, plan in enumerate(plans) if plan.stored and index not in failed_at
        ]
        if matched < len(updates):
            lost.extend(await self._unapplied(updates))
        lost_dup, clashing = await self._explain_duplicates(duplicates)
        return lost + lost_dup, clashes + clashing

    async def _unapplied(self, updates: Sequence[_Plan]) -> list[_Plan]:
        """The updates another writer overtook: their last audit entry is not stored."""
        keys = [source_key(plan.stored) for plan in updates if plan.stored]
        found = await self._collection.find_by_keys(
            SOURCE_KEY, keys, {"account": 1, "source": 1, "auditLogs.auditId": 1}
        )
        last_audit = {
            source_key(document): ((document.get("auditLogs") or [{}])[-1]).get("auditId")
            for document in found
        }
        return [
            plan
            for plan in updates
            if plan.stored and last_audit.get(source_key(plan.stored)) != plan.audit_ids[-1]
        ]

    async def _explain_duplicates(self, plans: Sequence[_Plan]) -> tuple[list[_Plan], list[Clash]]:
        """A clash on the source key lost a race (compare again); on another key, a conflict."""
        if not plans:
            return [], []
        wanted = [plan.current for plan in plans if plan.current is not None]
        taken_numbers = {
            document["invoiceNumber"]: document
            for document in await self._collection.find_by_keys(
                ("account", "invoiceNumber"),
                [(self.account, document["invoiceNumber"]) for document in wanted],
                {"invoiceNumber": 1, "invoiceId": 1, "source": 1},
            )
        }
        taken_ids = {
            document["invoiceId"]: document
            for document in await self._collection.find_by_keys(
                ("account", "invoiceId"),
                [(self.account, document["invoiceId"]) for document in wanted],
                {"invoiceNumber": 1, "invoiceId": 1, "source": 1},
            )
        }
        lost: list[_Plan] = []
        clashes: list[Clash] = []
        for plan in plans:
            document = plan.current or {}
            key = source_key(document)
            other = taken_numbers.get(document.get("invoiceNumber"))
            if other is not None and _source_of(other) != key:
                clashes.append((plan, "invoiceNumber", _clash("invoiceNumber", document, other)))
                continue
            other = taken_ids.get(document.get("invoiceId"))
            if other is not None and _source_of(other) != key:
                clashes.append((plan, "invoiceId", _clash("invoiceId", document, other)))
                continue
            lost.append(plan)  # the same source key, stored meanwhile by another writer
        return lost, clashes


def _operation(plan: _Plan) -> InsertOne | UpdateMany:
    """The write that takes the stored document (if any) to the plan's current one."""
    current = plan.current or {}
    if plan.stored is None:
        return InsertOne(dict(current))
    stored = plan.stored
    sets = {
        key: value
        for key, value in current.items()
        if (key == "_units" or not key.startswith("_")) and stored.get(key) != value
    }
    unsets = {key: "" for key in stored if not key.startswith("_") and key not in current}
    update: dict[str, Any] = {"$set": sets}
    if unsets:
        update["$unset"] = unsets
    # Only while the invoice is as it was read: otherwise the next round compares again.
    # `_id` pins one document: UpdateMany is the UpdateOne both backends take in bulk.
    return UpdateMany({"_id": stored["_id"], "version": stored["version"]}, update)


def _merged(current: Document, incoming: Document) -> Document:
    """The incoming document as an update of the current one.

    The source decides every field except the invoice's identity, its lifecycle fields
    and the attribute keys it does not send (those were set through the API).
    """
    merged = {key: value for key, value in incoming.items() if key not in BOOKKEEPING}
    merged["invoiceId"] = current["invoiceId"]
    for name in LIFECYCLE_FIELDS:
        merged.pop(name, None)
        if name in current:
            merged[name] = current[name]
    attributes = {**(current.get("attributes") or {}), **(incoming.get("attributes") or {})}
    if attributes:
        merged["attributes"] = attributes
    for key, value in current.items():
        if key.startswith("_") and key != "_units":
            merged[key] = value  # internal keys (`_id`, clocks) belong to the store
    return merged


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted path -> previous value of every field that differs (internal keys ignored)."""
    changes: dict[str, Any] = {}
    for key in dict.fromkeys([*before, *after]):
        if key.startswith("_") or key in BOOKKEEPING:
            continue
        _diff(key, before.get(key), after.get(key), changes)
    return changes


def _diff(path: str, before: Any, after: Any, changes: dict[str, Any]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            _diff(f"{path}.{key}", before.get(key), after.get(key), changes)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _diff(f"{path}.{index}", old, new, changes)
    else:
        changes[path] = before


def _audit_text(value: Any) -> str | None:
    """A previous value as audit text: text as is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def _source_of(document: Mapping[str, Any]) -> tuple[str, str, str] | None:
    source = document.get("source") or {}
    if "system" not in source or "id" not in source:
        return None
    return (document.get("account", ""), source["system"], source["id"])


def _clash(field_name: str, document: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    source = other.get("source") or {}
    owner = f" (from {source['system']} record {source['id']})" if source else ""
    return (
        f"{field_name} {document.get(field_name)!r} already belongs to invoice "
        f"{other.get('invoiceId')}{owner}"
    )
