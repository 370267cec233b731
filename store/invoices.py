"""The invoice repository: every read and write is scoped to one account by construction.

`InvoiceStore.scoped(scope)` is the only way in; the account (and, when given, the
channel) is part of every filter it sends, so no caller can forget it.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from store.client import Database, Document, DuplicateKeyError
from store.collection_names import INVOICES
from store.domain.documents import REQUIRED_FIELDS, Invoice
from store.domain.enums import InvoiceStatus
from store.domain.events import PENDING_EVENTS
from store.domain.money import to_units
from store.event_feed import EventStore
from store.keyset import SortKey, after_condition, key_values, mongo_sort
from store.search_keys import COMPANIONS, SEARCH, search_keys
from store.source_upsert import (
    SOURCE_KEY,
    SourceOutcome,
    SourceUpsert,
    SourceWrite,
    source_key,
)

UNIT_FIELDS = ("invoiceTotal", "totalTaxAmount")
"""Money fields that also get an integer companion under `_units` (docs/money-and-time.md)."""

ALWAYS_FETCHED = REQUIRED_FIELDS
"""Fields every projection carries: a stored invoice is invalid without them."""

INTERNAL_PREFIX = "_"
"""Top-level keys starting with it are the store's own (`_id`, COMPANIONS, CHANGE_CLOCK,
PENDING_EVENTS), never fabric's: no read hands them out."""

InvoiceRow = Document
"""A stored invoice's fabric fields as stored, internal keys stripped, not validated: the
compiled plans read it as it is (graph/compiled/), `from_document` validates it."""

CHANGE_CLOCK = "_changedAt"
"""Internal: the time of the invoice's last recorded change, never moving backwards (`$max`).

Unlike `updatedAt`, no source system sets it.
"""


@dataclass(frozen=True)
class Scope:
    """Who is asking: the account that owns the invoices, optionally narrowed to a channel."""

    account: str
    channel: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.account, str) or not self.account:
            raise ValueError("a scope needs an account")
        if self.channel is not None and (not isinstance(self.channel, str) or not self.channel):
            raise ValueError("a scope's channel is a non-empty text or None")


UNSCOPED_STAGES = frozenset(
    {"$lookup", "$graphLookup", "$unionWith", "$out", "$merge", "$documents", "$currentOp"}
)
"""Aggregation stages that reach beyond the scoped collection: never run on a scope."""


def _check_stages(stages: Sequence[Mapping[str, Any]]) -> None:
    for stage in stages:
        for name, body in stage.items():
            if name in UNSCOPED_STAGES:
                raise ValueError(f"{name} reads or writes outside the scope")
            if name == "$facet":
                for pipeline in body.values():
                    _check_stages(pipeline)


class DuplicateInvoice(Exception):
    """An invoice with the same number (or the same source record) is already stored."""

    def __init__(self, key: Mapping[str, Any]) -> None:
        super().__init__(f"an invoice with {dict(key)} already exists")
        self.key = dict(key)


def to_document(invoice: Invoice) -> Document:
    """The MongoDB document of an invoice, with the integer money keys under `_units`.

    `_id` is left to MongoDB: invoiceId is unique per account, not across accounts.
    """
    document = invoice.model_dump(mode="json", exclude_none=True)
    document["_units"] = {
        name: to_units(getattr(invoice, name))
        for name in UNIT_FIELDS
        if getattr(invoice, name) is not None
    }
    document[SEARCH] = search_keys(document)
    return document


def fabric_row(document: Document) -> InvoiceRow:
    """A stored document without the store's internal keys (a new dict)."""
    return {key: value for key, value in document.items() if not key.startswith(INTERNAL_PREFIX)}


def from_document(document: Document) -> Invoice:
    """The invoice a stored document (or row) holds, validated."""
    return Invoice.model_validate(fabric_row(document))


def mongo_projection(fields: Iterable[str] | None) -> dict[str, int] | None:
    """A projection for dotted fabric paths, collapsed so that no path is inside another."""
    if fields is None:
        return {"_id": 0, **dict.fromkeys(COMPANIONS, 0), PENDING_EVENTS: 0}
    projection: dict[str, int] = {"_id": 0}
    for path in sorted(set(fields) | ALWAYS_FETCHED):
        parts = path.split(".")
        # Sorted, so any kept path this one is inside came first.
        if not any(".".join(parts[:depth]) in projection for depth in range(1, len(parts))):
            projection[path] = 1
    return projection


class InvoiceStore:
    """The invoices collection; reach it through `scoped`."""

    def __init__(self, database: Database, events: EventStore | None = None) -> None:
        self._collection = database.collection(INVOICES)
        self.events = events or EventStore(database)

    def scoped(self, scope: Scope) -> "ScopedInvoices":
        return ScopedInvoices(self._collection, scope, self.events)


class ScopedInvoices:
    """The invoices one account (and channel) may see and change.

    Deleted invoices (invoiceStatus DELETED, docs/lifecycle.md) are left out of every read
    by default; `including_deleted()` gives the same scope with them, for a listing that
    asks for them and for the lifecycle writes that must see them.
    """

    def __init__(
        self, collection: Any, scope: Scope, events: EventStore, include_deleted: bool = False
    ) -> None:
        self._collection = collection
        self._events = events
        self.scope = scope
        self.include_deleted = include_deleted
        self.events = events.scoped(scope.account, scope.channel)

    def including_deleted(self) -> "ScopedInvoices":
        """The same scope, deleted invoices included."""
        return ScopedInvoices(self._collection, self.scope, self._events, include_deleted=True)

    def where(self, criteria: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A MongoDB filter: the caller's criteria AND this scope."""
        criteria = dict(criteria or {})
        if "account" in criteria:
            raise ValueError("the account comes from the scope, never from criteria")
        scoped: dict[str, Any] = {"account": self.scope.account}
        if self.scope.channel is not None:
            scoped["channelId"] = self.scope.channel
        if not self.include_deleted:
            scoped["invoiceStatus"] = {"$ne": InvoiceStatus.DELETED.value}
        if criteria:
            return {"$and": [scoped, criteria]}
        return scoped

    async def get(self, invoice_id: str, fields: Iterable[str] | None = None) -> Invoice | None:
        document = await self._collection.find_one(
            self.where({"invoiceId": invoice_id}), mongo_projection(fields), by_key=True
        )
        return from_document(document) if document else None

    async def get_document(self, invoice_id: str) -> Document | None:
        """The whole stored document of an invoice, as stored (internal keys included)."""
        document: Document | None = await self._collection.find_one(
            self.where({"invoiceId": invoice_id}), by_key=True
        )
        return document

    async def get_by_number(
        self, invoice_number: str, fields: Iterable[str] | None = None
    ) -> InvoiceRow | None:
        """The row of the invoice with this number (with `fields`, else every fabric field)."""
        document: Document | None = await self._collection.find_one(
            self.where({"invoiceNumber": invoice_number}), mongo_projection(fields), by_key=True
        )
        if document is None or fields is not None:
            return document  # a projection of fabric paths brings no internal key
        return fabric_row(document)

    async def get_many(
        self, invoice_ids: Sequence[str], fields: Iterable[str] | None = None
    ) -> list[InvoiceRow | None]:
        """One command for many ids; rows in the order of `invoice_ids` (None: not found)."""
        documents: list[Document] = await self._collection.find(
            self.where({"invoiceId": {"$in": list(invoice_ids)}}),
            mongo_projection(fields),
            by_key=True,
        )
        if fields is None:
            documents = [fabric_row(document) for document in documents]
        by_id = {document["invoiceId"]: document for document in documents}
        return [by_id.get(invoice_id) for invoice_id in invoice_ids]

    async def find_related(
        self,
        invoices: Sequence[tuple[str, Sequence[str]]],
        limit: int,
        fields: Iterable[str] | None = None,
    ) -> list[list[Invoice]]:
        """For each (invoiceId, orderIds): the oldest `limit` other invoices sharing an order.

        Reads at most 2 x (limit + 1) invoices per entry: one command for all the entries,
        capped at (limit + 1) per entry; only when that cap was reached, one command (capped
        at limit + 1) per entry that may have missed some. So a hostile order shared by
        thousands of invoices costs no more than an ordinary one (docs/security.md).
        """
        wanted = [(invoice_id, list(dict.fromkeys(orders))) for invoice_id, orders in invoices]
        order_ids = list(dict.fromkeys(order for _, orders in wanted for order in orders))
        if not order_ids or limit <= 0:
            return [[] for _ in wanted]
        projection = mongo_projection(
            None if fields is None else [*fields, "invoiceDate", "orders.orderId"]
        )
        sort = [("invoiceDate", 1), ("invoiceId", 1)]
        cap = len(wanted) * (limit + 1)
        documents = await self._collection.find(
            self.where({"orders.orderId": {"$in": order_ids}}), projection, sort=sort, limit=cap
        )
        found = [from_document(document) for document in documents]
        answers: list[list[Invoice]] = []
        for invoice_id, orders in wanted:
            mine = set(orders)
            shared = [
                invoice
                for invoice in found
                if any(order.orderId in mine for order in invoice.orders or [])
            ]
            if len(found) == cap and len(shared) < limit + 1 and orders:
                # The common read stopped early: this entry's oldest may lie beyond it.
                documents = await self._collection.find(
                    self.where({"orders.orderId": {"$in": orders}}),
                    projection,
                    sort=sort,
                    limit=limit + 1,
                )
                shared = [from_document(document) for document in documents]
            answers.append([i for i in shared if i.invoiceId != invoice_id][:limit])
        return answers

    async def find_page(
        self,
        criteria: Mapping[str, Any] | None,
        keys: Sequence[SortKey],
        after: Sequence[Any] | None,
        limit: int,
        backwards: bool = False,
        fields: Iterable[str] | None = None,
        read_only: bool = False,
    ) -> list[tuple[InvoiceRow, list[Any]]]:
        """Up to `limit` rows after the key values `after` (0: all), each with its own key
        values (what a cursor holds), in the order of `keys` (reversed, walking backwards).

        `keys` must end with a key unique per account (`invoiceId`) so that the order is total.
        `read_only=True`: the caller only reads the rows before its next `await`
        (Collection.find).
        """
        conditions = [dict(criteria)] if criteria else []
        if after is not None:
            conditions.append(after_condition(keys, after, backwards))
        projection = None
        if fields is not None:
            projection = mongo_projection([*fields, *(key.path for key in keys)])
        documents: list[Document] = await self._collection.find(
            self.where({"$and": conditions} if conditions else None),
            projection,
            sort=mongo_sort(keys, backwards),
            limit=limit,
            read_only=read_only,
        )
        if fields is not None and not any(key.path.startswith(INTERNAL_PREFIX) for key in keys):
            return [(document, key_values(document, keys)) for document in documents]
        # Whole documents, or sort keys among the companions (`_units`): strip them, copying.
        return [(fabric_row(document), key_values(document, keys)) for document in documents]

    async def count(self, criteria: Mapping[str, Any] | None = None) -> int:
        count: int = await self._collection.count(self.where(criteria))
        return count

    async def aggregate(self, stages: Sequence[Mapping[str, Any]]) -> list[Document]:
        """An aggregation whose first stage is always this scope's $match.

        Stages that read other collections or write are refused: they would leave the scope.
        """
        _check_stages(stages)
        documents: list[Document] = await self._collection.aggregate(
            [{"$match": self.where()}, *stages]
        )
        return documents

    async def insert(
        self,
        invoice: Invoice,
        changed_at: str | None = None,
        pending: dict[str, Any] | None = None,
    ) -> None:
        """Insert a new invoice; `changed_at` starts its CHANGE_CLOCK (created by a change),
        and `pending` is the event of that change (store/domain/events.py), stored with it."""
        self._check_owner(invoice)
        document = to_document(invoice)
        if changed_at is not None:
            document[CHANGE_CLOCK] = changed_at
        if pending is not None:
            document[PENDING_EVENTS] = [pending]
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError as error:
            details = error.details or {}
            raise DuplicateInvoice(details.get("keyValue") or {}) from None

    def _check_owner(self, invoice: Invoice) -> None:
        if invoice.account != self.scope.account:
            raise ValueError(f"invoice {invoice.invoiceId} belongs to another account")
        if self.scope.channel is not None and invoice.channelId != self.scope.channel:
            raise ValueError(f"invoice {invoice.invoiceId} is outside channel {self.scope.channel}")

    async def insert_many(self, invoices: Sequence[Invoice]) -> int:
        """Insert many new invoices in one command; returns how many were stored."""
        if not invoices:
            return 0
        for invoice in invoices:
            self._check_owner(invoice)
        await self._collection.insert_many([to_document(invoice) for invoice in invoices])
        return len(invoices)

    async def upsert_from_source(
        self, invoices: Sequence[Invoice], actor: str
    ) -> list[SourceWrite]:
        """Store, update or skip invoices by source key: two commands a batch.

        `actor` names who ingests in the audit entries of updates (store/source_upsert.py).
        """
        for invoice in invoices:
            self._check_owner(invoice)
        upsert = SourceUpsert(
            self._collection,
            self.scope.account,
            actor,
            self.events,
            CHANGE_CLOCK,
            channel=self.scope.channel,
        )
        documents = [to_document(invoice) for invoice in invoices]
        if self.scope.channel is None or not documents:
            return await upsert.run(documents)
        # A record stored under another channel is out of this scope: refused, not moved.
        elsewhere = await self._keys_in_other_channels(documents)
        remaining = [document for document in documents if source_key(document) not in elsewhere]
        writes = iter(await upsert.run(remaining) if remaining else [])
        return [
            SourceWrite(
                SourceOutcome.CONFLICT,
                document["invoiceId"],
                reason=f"this record's invoice is outside channel {self.scope.channel}",
                field="channelId",
            )
            if source_key(document) in elsewhere
            else next(writes)
            for document in documents
        ]

    async def _keys_in_other_channels(self, documents: Sequence[Document]) -> set[Any]:
        """The source keys among `documents` stored in a channel other than this scope's."""
        stored = await self._collection.find_by_keys(
            SOURCE_KEY,
            [source_key(document) for document in documents],
            {"_id": 0, "account": 1, "source": 1, "channelId": 1},
        )
        return {source_key(d) for d in stored if d.get("channelId") != self.scope.channel}

    async def update_if(
        self, invoice_id: str, conditions: Mapping[str, Any], update: Mapping[str, Any]
    ) -> Document | None:
        """One atomic update of one invoice, made only while it matches `conditions`.

        Returns the stored document after the update (internal keys included), or None
        when no invoice of this scope matched.
        """
        document: Document | None = await self._collection.find_one_and_update(
            self.where({"invoiceId": invoice_id, **conditions}),
            update,
            # `_id` stays in: the embedded store finds the updated document again by its
            # _id, and without it by the filter, which the update may no longer match.
            projection={"_units": 0, PENDING_EVENTS: 0},
        )
        return document
