"""Persisted documents on the request side: APQ, `documentId`, and persisted-only keys.

Apollo's APQ protocol is followed to the letter (docs/persisted-queries.md): an unknown
hash answers 200 with `PersistedQueryNotFound`, so the client resends hash and text.
A key with the `persisted-only` scope runs trusted documents only, named by their id.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from graph.errors import HTTPProblem
from store.keys import ApiKey
from store.persisted_documents import PersistedDocument, PersistedDocuments

log = logging.getLogger("invoicegraph.persisted")

APQ_VERSION = 1
DOCUMENT_ID = re.compile(r"^sha256:(?P<hex>[0-9a-f]{64})$")
# A CDN that cached a "not found" kept clients from ever registering: never cache one.
NOT_FOUND_HEADERS = {"Cache-Control": "private, no-cache, must-revalidate"}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RequestedDocument:
    """The text a request runs, and how it named it."""

    text: str
    named_by_id: bool
    """Read from the store by its id: a GET answer is the same for the same URL and key."""
    register_as: str | None = None
    """An APQ hash to register for the caller once the text has parsed and validated."""


def _refuse_untrusted(document_id: str, api_key: ApiKey, registering: bool) -> HTTPProblem:
    log.warning(
        "persisted-only key %s (account %s) %s untrusted document %s",
        api_key.name,
        api_key.account,
        "tried to register" if registering else "asked for",
        document_id,
    )
    action = "registers no documents" if registering else "runs trusted documents only"
    return HTTPProblem(
        403,
        "PERSISTED_QUERY_NOT_TRUSTED",
        f"Document {document_id} is not a trusted document, and this persisted-only key "
        f"{action}. Ask the operator to add it to the trusted-documents manifest.",
        NOT_FOUND_HEADERS,
    )


class PersistedQueries:
    """Finds the document a request names, for one caller, through a cache over the store."""

    def __init__(self, documents: PersistedDocuments, cache_size: int) -> None:
        self._documents = documents
        self.cache: LRUCache[str, PersistedDocument] = LRUCache(cache_size)
        """Documents by hash, least recently used out first."""
        self.hits = 0
        self.misses = 0

    async def requested_document(
        self, params: dict[str, Any], api_key: ApiKey
    ) -> RequestedDocument:
        """The text to run for these request parameters; raises HTTPProblem when there is none."""
        query: str | None = params.get("query")
        apq = (params.get("extensions") or {}).get("persistedQuery")
        document_id: str | None = params.get("documentId")
        if apq is not None and document_id is not None:
            raise HTTPProblem(
                400,
                "BAD_REQUEST",
                "Name the document once: 'documentId' or 'extensions.persistedQuery', not both.",
            )
        if document_id is not None:
            return await self._by_document_id(document_id, query, api_key)
        if apq is not None:
            return await self._by_apq(apq, query, api_key)
        if not query:
            raise HTTPProblem(400, "BAD_REQUEST", "The request has no 'query'.")
        if api_key.persisted_only:
            raise HTTPProblem(
                403,
                "PERSISTED_QUERY_REQUIRED",
                "This key runs trusted persisted documents only: send the document's id as "
                "'documentId' (sha256:<hex>) or 'extensions.persistedQuery', not its text.",
            )
        return RequestedDocument(query, named_by_id=False)

    async def _by_document_id(
        self, document_id: str, query: str | None, api_key: ApiKey
    ) -> RequestedDocument:
        if query:
            raise HTTPProblem(400, "BAD_REQUEST", "Send either 'query' or 'documentId', not both.")
        match = DOCUMENT_ID.match(document_id)
        if match is None:
            raise HTTPProblem(
                400,
                "BAD_REQUEST",
                f"Unsupported documentId {document_id!r}: use 'sha256:' and the 64 lower-case "
                "hex digits of the SHA-256 of the document's text.",
            )
        document = await self._visible(match["hex"], api_key)
        if document is not None:
            return RequestedDocument(document.body, named_by_id=True)
        if api_key.persisted_only:
            raise _refuse_untrusted(document_id, api_key, registering=False)
        log.info("key %s asked for unknown document %s", api_key.name, document_id)
        raise HTTPProblem(
            404,
            "PERSISTED_QUERY_NOT_FOUND",
            f"No persisted document {document_id}.",
            NOT_FOUND_HEADERS,
        )

    async def _by_apq(self, apq: Any, query: str | None, api_key: ApiKey) -> RequestedDocument:
        if not isinstance(apq, dict):
            raise HTTPProblem(400, "BAD_REQUEST", "'extensions.persistedQuery' must be a map.")
        if apq.get("version") != APQ_VERSION:
            raise HTTPProblem(400, "BAD_REQUEST", "Unsupported persisted query version")
        sha256 = apq.get("sha256Hash")
        if not isinstance(sha256, str):
            raise HTTPProblem(
                400, "BAD_REQUEST", "'extensions.persistedQuery.sha256Hash' must be a string."
            )
        if query:
            return await self._apq_registration(sha256, query, api_key)
        document = await self._visible(sha256, api_key)
        if document is not None:
            return RequestedDocument(document.body, named_by_id=True)
        if api_key.persisted_only:
            raise _refuse_untrusted(f"sha256:{sha256}", api_key, registering=False)
        log.info("key %s asked for unknown APQ hash %s", api_key.name, sha256)
        raise HTTPProblem(
            200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", NOT_FOUND_HEADERS
        )

    async def _apq_registration(
        self, sha256: str, query: str, api_key: ApiKey
    ) -> RequestedDocument:
        if sha256_hex(query) != sha256:
            raise HTTPProblem(400, "BAD_REQUEST", "provided sha does not match query")
        if api_key.persisted_only:
            # Hash and text together are allowed for a trusted text: it runs as if named by id.
            document = await self._visible(sha256, api_key)
            if document is None:
                raise _refuse_untrusted(f"sha256:{sha256}", api_key, registering=True)
            return RequestedDocument(document.body, named_by_id=False)
        cached = self.cache.get(sha256)
        already = cached is not None and cached.visible_to(api_key.account)
        return RequestedDocument(query, named_by_id=False, register_as=None if already else sha256)

    async def _visible(self, sha256: str, api_key: ApiKey) -> PersistedDocument | None:
        """The document if this key may run it; the store is asked when the cache cannot say yes."""
        cached = self.cache.get(sha256)
        if cached is not None and self._runnable(cached, api_key):
            self.hits += 1
            return cached
        # Not cached, or cached as not runnable: another process may have registered or
        # trusted it since, so the store has the last word.
        self.misses += 1
        document = await self._documents.find(sha256)
        if document is None:
            return None
        self.cache[document.sha256] = document
        return document if self._runnable(document, api_key) else None

    @staticmethod
    def _runnable(document: PersistedDocument, api_key: ApiKey) -> bool:
        if api_key.persisted_only:
            return document.trusted
        return document.visible_to(api_key.account)

    async def register(self, requested: RequestedDocument, api_key: ApiKey) -> None:
        """Record an APQ registration for the caller's account (it ran without request errors)."""
        sha256 = requested.register_as
        if sha256 is None:
            return
        await self._documents.register(sha256, requested.text, api_key.account)
        cached = self.cache.get(sha256)
        # Without a cached record we do not know whether the text is trusted: cache it as
        # untrusted, which can only send a later lookup back to the store, never too far.
        self.cache[sha256] = PersistedDocument(
            sha256=sha256,
            body=requested.text,
            trusted=cached.trusted if cached else False,
            accounts=(cached.accounts if cached else frozenset()) | {api_key.account},
        )
