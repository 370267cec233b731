"""Every index the application relies on, in one place, created at start-up.

Indexes on the `_search` companions (store/search_keys.py) serve only documents that carry
them: ensure_indexes also gives them to documents written before they existed.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from store.client import ASCENDING, DESCENDING, Database, IndexModel, open_database
from store.collection_names import (
    API_KEYS,
    EVENT_SEQUENCES,
    INVOICE_EVENTS,
    INVOICES,
    MIGRATIONS,
    PERSISTED_DOCUMENTS,
    UNNUMBERED_EVENTS,
    WEBHOOK_DELIVERIES,
    WEBHOOK_SUBSCRIPTIONS,
)
from store.event_migration import number_unnumbered_events
from store.search_keys import CUSTOMER_EMAIL, UPDATED_AT, backfill_search_keys

INDEXES: dict[str, list[IndexModel]] = {
    INVOICES: [
        # invoiceId is unique per account; MongoDB's own _id stays an ObjectId.
        IndexModel(
            [("account", ASCENDING), ("invoiceId", ASCENDING)],
            unique=True,
            name="account_invoiceId",
        ),
        # Lookups by number are unique per account (invoiceByNumber, invoiceCreate).
        IndexModel(
            [("account", ASCENDING), ("invoiceNumber", ASCENDING)],
            unique=True,
            name="account_invoiceNumber",
        ),
        # Idempotent ingest: one document per (account, source system, source id).
        # Every document has a source key: invoices created through the API use
        # ("invoicegraph", invoiceId), so the unique index needs no partial filter.
        IndexModel(
            [("account", ASCENDING), ("source.system", ASCENDING), ("source.id", ASCENDING)],
            unique=True,
            name="account_source",
        ),
        # The default listing order: newest invoice first, ties broken by invoiceId.
        IndexModel(
            [("account", ASCENDING), ("invoiceDate", DESCENDING), ("invoiceId", DESCENDING)],
            name="account_invoiceDate",
        ),
        # relatedInvoices and the orderId filter: the invoices that share an order.
        IndexModel([("account", ASCENDING), ("orders.orderId", ASCENDING)], name="account_orderId"),
        # The relay finds the invoices whose events are still pending (store/domain/events.py):
        # sparse, so only those few are in it.
        IndexModel([("_pendingEvents.account", ASCENDING)], sparse=True, name="pending_events"),
        # The other sort orders (docs/querying.md): one key and the invoiceId tiebreaker,
        # read forwards or backwards for either direction; also serve range filters.
        IndexModel(
            [("account", ASCENDING), ("createdAt", ASCENDING), ("invoiceId", ASCENDING)],
            name="account_createdAt",
        ),
        IndexModel(
            [("account", ASCENDING), ("_units.invoiceTotal", ASCENDING), ("invoiceId", ASCENDING)],
            name="account_invoiceTotal",
        ),
        # updatedAt through its companion, present on every invoice (createdAt when never
        # updated), so a cursor always has a value to resume after.
        IndexModel(
            [("account", ASCENDING), (UPDATED_AT, ASCENDING), ("invoiceId", ASCENDING)],
            name="account_updatedAt",
        ),
        # Filters on fields with few values, followed by the default order, so that a
        # filtered first page reads only the index entries it returns.
        *(
            IndexModel(
                [
                    ("account", ASCENDING),
                    (field, ASCENDING),
                    ("invoiceDate", DESCENDING),
                    ("invoiceId", DESCENDING),
                ],
                name=f"account_{field}_invoiceDate",
            )
            for field in ("invoiceStatus", "invoiceType", "statusCode", "channelId", "currency")
        ),
        # Filters on fields with many values, which narrow a listing to a few invoices;
        # startsWith on the text ones is an anchored prefix: a range of the index.
        # customerEmail compares case-folded, through its companion.
        *(
            IndexModel([("account", ASCENDING), (path, ASCENDING)], name=f"account_{path}")
            for path in (
                "orders.orderNumber",
                "shipmentNumber",
                CUSTOMER_EMAIL,
                "orders.items.sku",
            )
        ),
    ],
    API_KEYS: [
        # Authentication finds a key by the digest of its clear text (store/keys.py).
        IndexModel([("digest", ASCENDING)], unique=True, name="digest"),
        # Operators name keys to list and revoke them: a name is unique within its account.
        IndexModel([("account", ASCENDING), ("name", ASCENDING)], unique=True, name="account_name"),
    ],
    PERSISTED_DOCUMENTS: [
        # One record per document text: lookups by hash, and concurrent APQ registrations
        # of the same text from several processes meet on this index instead of duplicating.
        IndexModel([("sha256", ASCENDING)], unique=True, name="sha256"),
    ],
    INVOICE_EVENTS: [
        # One event per invoice version: a change is never recorded twice (store/domain/events.py).
        IndexModel(
            [("account", ASCENDING), ("invoiceId", ASCENDING), ("version", ASCENDING)],
            unique=True,
            name="account_invoiceId_version",
        ),
        # The feed's order (invoiceEvents), walked forwards from a cursor. The `_id` of an
        # event holds (account, seq): one number is never used twice (store/event_relay.py).
        IndexModel([("account", ASCENDING), ("seq", ASCENDING)], name="account_seq"),
    ],
    WEBHOOK_SUBSCRIPTIONS: [
        # An account lists its own (webhookSubscriptions); the outbox reads the enabled ones.
        IndexModel([("account", ASCENDING), ("createdAt", ASCENDING)], name="account_createdAt"),
        IndexModel([("enabled", ASCENDING)], name="enabled"),
    ],
    WEBHOOK_DELIVERIES: [
        # The deliverer's question: pending deliveries whose time has come, oldest first.
        IndexModel(
            [("status", ASCENDING), ("nextAttemptAt", ASCENDING)], name="status_nextAttemptAt"
        ),
        # Delivered and given-up deliveries go after a while (store/webhook_outbox.py).
        IndexModel([("expireAt", ASCENDING)], expireAfterSeconds=0, name="expireAt"),
        # The age of the oldest pending delivery (/metrics).
        IndexModel([("status", ASCENDING), ("enqueuedAt", ASCENDING)], name="status_enqueuedAt"),
        # webhookDeliveries: one subscription's, newest event first; pausing and resuming.
        IndexModel([("subscriptionId", ASCENDING), ("seq", DESCENDING)], name="subscriptionId_seq"),
    ],
}


async def ensure_indexes(database: Database) -> None:
    """Create every index, then the data migrations (each once): backfill the companions
    they index (store/search_keys.py), number the events recorded before the feed had
    numbers (store/event_migration.py)."""
    for collection, indexes in INDEXES.items():
        await database.collection(collection).create_indexes(indexes)
    migrations = database.collection(MIGRATIONS)
    await backfill_search_keys(database.collection(INVOICES), migrations)
    await number_unnumbered_events(
        database.collection(INVOICE_EVENTS),
        database.collection(UNNUMBERED_EVENTS),
        database.collection(EVENT_SEQUENCES),
        migrations,
    )


@asynccontextmanager
async def indexed_database(uri: str | None, name: str) -> AsyncIterator[Database]:
    """A database with every index in place, closed on exit: for one-off commands."""
    database = open_database(uri, name)
    try:
        await ensure_indexes(database)
        yield database
    finally:
        await database.close()
