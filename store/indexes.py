"""Every index the application relies on, in one place, created at start-up."""

from store.client import ASCENDING, DESCENDING, Database, IndexModel

INVOICES = "invoices"

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
        # relatedInvoices: the invoices that share an order.
        IndexModel([("account", ASCENDING), ("orders.orderId", ASCENDING)], name="account_orderId"),
    ],
}


async def ensure_indexes(database: Database) -> None:
    for collection, indexes in INDEXES.items():
        await database.collection(collection).create_indexes(indexes)
