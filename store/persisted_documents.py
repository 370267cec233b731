"""Persisted GraphQL documents, keyed by the SHA-256 of their text, shared by every process.

A document is registered either by a client through APQ or by an operator as trusted.
Document texts are not tenant data, but an APQ registration is visible only to the
accounts that made it, so a hash lookup never tells one account what another one runs
(a text may hold literal values). Trusted documents are visible to every key.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from store.client import Database, Document, DuplicateKeyError
from store.collection_names import PERSISTED_DOCUMENTS
from store.domain.instants import now_instant


@dataclass(frozen=True)
class PersistedDocument:
    """A stored document: its text, whether an operator trusts it, who registered it."""

    sha256: str
    body: str
    trusted: bool
    accounts: frozenset[str]

    def visible_to(self, account: str) -> bool:
        return self.trusted or account in self.accounts


@dataclass(frozen=True)
class TrustedDocument:
    """An operation an operator allows, as read from a manifest."""

    sha256: str
    body: str
    name: str | None = None
    operation_type: str | None = None


@dataclass(frozen=True)
class TrustReport:
    """What registering a manifest changed."""

    trusted: int
    new: int


def _from_record(record: Document) -> PersistedDocument:
    return PersistedDocument(
        sha256=record["sha256"],
        body=record["body"],
        trusted=bool(record.get("trusted")),
        accounts=frozenset(record.get("accounts") or ()),
    )


class PersistedDocuments:
    """The persisted-documents collection: one command per lookup or registration."""

    def __init__(self, database: Database) -> None:
        self._collection = database.collection(PERSISTED_DOCUMENTS)

    async def find(self, sha256: str) -> PersistedDocument | None:
        record = await self._collection.find_one(
            {"sha256": sha256}, {"_id": 0, "sha256": 1, "body": 1, "trusted": 1, "accounts": 1}
        )
        return None if record is None else _from_record(record)

    async def register(self, sha256: str, body: str, account: str) -> None:
        """Record that `account` registered this text (APQ); never changes whether it is trusted."""
        update = {
            "$setOnInsert": {"body": body, "trusted": False, "registeredAt": now_instant()},
            "$addToSet": {"accounts": account},
        }
        try:
            await self._collection.update_one({"sha256": sha256}, update, upsert=True)
        except DuplicateKeyError:
            # Another process inserted the same text between our match and our insert:
            # the record exists now, so the retry is a plain update.
            await self._collection.update_one({"sha256": sha256}, update, upsert=True)

    async def trust(self, documents: Sequence[TrustedDocument]) -> TrustReport:
        """Mark these documents trusted, inserting the ones not yet stored: one command each.

        Not one bulk write: the embedded backend's bulk updates fail on PyMongo's UpdateOne,
        and a manifest is operator-sized, read once at start-up.
        """
        now = now_instant()
        new = 0
        for document in documents:
            _, upserted_id = await self._collection.update_one(
                {"sha256": document.sha256},
                {
                    "$set": {
                        "trusted": True,
                        "trustedAt": now,
                        "name": document.name,
                        "operationType": document.operation_type,
                    },
                    "$setOnInsert": {"body": document.body, "accounts": [], "registeredAt": now},
                },
                upsert=True,
            )
            new += upserted_id is not None
        return TrustReport(trusted=len(documents), new=new)
