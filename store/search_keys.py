"""Normalized companions of an invoice's fields that filters and sorts read, under `_search`.

Like money's `_units` (docs/money-and-time.md), each is derived from the invoice at every
write (`search_keys`, called by store.invoices.to_document) and indexed (store/indexes.py):

- `_search.customerEmail`: customer.email case-folded, so the customerEmail filter is
  case-insensitive and still an index lookup;
- `_search.updatedAt`: updatedAt, or createdAt for an invoice never updated (ingested
  without a modification time), so the updatedAt sort has a value on every invoice.

Documents written before the companions existed get them once (`backfill_search_keys`,
run with ensure_indexes at start-up); the migration is recorded so it runs once.
"""

from typing import Any

from store.client import Collection, Document, UpdateMany

SEARCH = "_search"
CUSTOMER_EMAIL = f"{SEARCH}.customerEmail"
UPDATED_AT = f"{SEARCH}.updatedAt"
VERSION = f"{SEARCH}.v"
"""Set with the whole set of companions: a document without it has not had them all yet
(a change may `$set` one of them on a document written before they existed)."""

COMPANIONS = ("_units", SEARCH)
"""Internal keys derived from the invoice's own fields (money's `_units` and these): every
write of a whole document writes them anew."""

MIGRATION_ID = "search-keys-1"
"""The record in the migrations collection saying every invoice has its companions."""
BACKFILL_BATCH = 500


def fold(text: str) -> str:
    """Text compared without regard to case: 'MEHMET@Example.com' -> 'mehmet@example.com'."""
    return text.casefold()


def search_keys(document: Document) -> dict[str, Any]:
    """The `_search` companions of a stored invoice document (fabric fields, JSON values)."""
    keys: dict[str, Any] = {
        "v": 1,
        "updatedAt": document.get("updatedAt") or document["createdAt"],
    }
    email = (document.get("customer") or {}).get("email")
    if isinstance(email, str):
        keys["customerEmail"] = fold(email)
    return keys


async def backfill_search_keys(invoices: Collection, migrations: Collection) -> int:
    """Give the invoices written before the companions theirs, once; the number updated.

    Idempotent and resumable: each batch selects documents still without them, and each
    update holds only while the fields it was computed from are as read (a concurrent change
    leaves the document to the next batch).
    """
    if await migrations.find_one({"_id": MIGRATION_ID}) is not None:
        return 0
    updated = 0
    while True:
        batch = await invoices.find(
            {VERSION: {"$exists": False}},
            {"_id": 1, "updatedAt": 1, "createdAt": 1, "customer.email": 1},
            limit=BACKFILL_BATCH,
        )
        if not batch:
            break
        result = await invoices.bulk_write(
            [
                UpdateMany(
                    {
                        "_id": document["_id"],
                        VERSION: {"$exists": False},
                        "updatedAt": {"$eq": document.get("updatedAt")},
                        "customer.email": {"$eq": (document.get("customer") or {}).get("email")},
                    },
                    {"$set": {SEARCH: search_keys(document)}},
                )
                for document in batch
            ]
        )
        if not result.matched_count:  # every one changed under us or cannot match: next start
            return updated
        updated += result.matched_count
    await migrations.update_one(
        {"_id": MIGRATION_ID}, {"$set": {"done": True, "invoices": updated}}, upsert=True
    )
    return updated
