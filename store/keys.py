"""API keys: who a bearer token is, which account it acts for, what it may do.

Keys are held by their SHA-256 digest only; the clear key is shown once, when it is made.
They come from two places: the keys configured at start-up (environment, demo key) in a
`KeyRing`, and the keys made with `invoicegraph keys create` in the api_keys collection
(`KeyStore`). `ApiKeys` asks the ring, then a small TTL cache, then the collection.
"""

import asyncio
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from store.client import Database, Document, DuplicateKeyError
from store.collection_names import API_KEYS
from store.domain.instants import now_instant

PERSISTED_ONLY = "persisted-only"
ADMIN = "admin"
SCOPES = frozenset({"read", "write", "ingest", ADMIN, PERSISTED_ONLY})
ADMIN_GRANTS = frozenset({"read", "write", "ingest"})
"""What `admin` grants besides itself: every data scope of its own account."""

KEY_PREFIX = "igk_"
"""Marks our keys in logs and secret scanners; the rest is 256 random bits."""
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class ApiKey:
    """An authenticated caller: a named key of one account with its scopes."""

    name: str
    account: str
    scopes: frozenset[str]
    introspection: bool = True
    """False when this key may not introspect the schema, whatever the global setting."""

    @property
    def persisted_only(self) -> bool:
        """True when the key may run only trusted persisted documents."""
        return PERSISTED_ONLY in self.scopes

    def grants(self, scope: str) -> bool:
        """True when the key holds `scope`, directly or through `admin`."""
        return scope in self.scopes or (scope in ADMIN_GRANTS and ADMIN in self.scopes)


def key_digest(key: str) -> str:
    # A plain SHA-256 suffices: keys are 256 random bits, not passwords to stretch.
    # surrogateescape: a header with bytes that are not UTF-8 reaches us that way (aiohttp).
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def checked_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes as a set; ValueError when one is unknown or none is given."""
    chosen = frozenset(scopes)
    unknown = chosen - SCOPES
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(SCOPES)}")
    if not chosen:
        raise ValueError(f"a key needs at least one scope of {sorted(SCOPES)}")
    return chosen


class KeyRing:
    """Keys configured at start-up (environment, demo key), looked up by digest."""

    def __init__(self) -> None:
        self._by_digest: dict[str, ApiKey] = {}
        self._unnamed = 0

    def add(
        self,
        key: str,
        account: str,
        scopes: Iterable[str],
        name: str | None = None,
        introspection: bool = True,
    ) -> None:
        if not account:
            raise ValueError("a key needs an account")
        digest = key_digest(key)
        if not name:
            # Its place among the unnamed keys: a name shown in audit logs and events must
            # tell nothing about the key itself (a digest's prefix would check guesses).
            self._unnamed += 1
            name = f"key-{self._unnamed}"
        self._by_digest[digest] = ApiKey(
            name=name,
            account=account,
            scopes=checked_scopes(scopes),
            introspection=introspection,
        )

    def by_digest(self, digest: str) -> ApiKey | None:
        return self._by_digest.get(digest)

    def authenticate(self, key: str) -> ApiKey | None:
        return self.by_digest(key_digest(key))


@dataclass(frozen=True)
class StoredKey:
    """A key of the api_keys collection as operators see it: never its clear text."""

    account: str
    name: str
    scopes: tuple[str, ...]
    introspection: bool
    hint: str
    """The first characters of the clear key, to tell keys apart."""
    createdAt: str
    lastUsedAt: str | None = None
    revokedAt: str | None = None

    def as_api_key(self) -> ApiKey:
        return ApiKey(self.name, self.account, frozenset(self.scopes), self.introspection)


def _stored_key(record: Document) -> StoredKey:
    return StoredKey(
        account=record["account"],
        name=record["name"],
        scopes=tuple(sorted(record["scopes"])),
        introspection=bool(record.get("introspection", True)),
        hint=record.get("hint", ""),
        createdAt=record["createdAt"],
        lastUsedAt=record.get("lastUsedAt"),
        revokedAt=record.get("revokedAt"),
    )


class DuplicateKeyName(Exception):
    """The account already has a key with this name (revoked keys keep their names)."""


class KeyStore:
    """The api_keys collection: one document per key, found by the digest of its clear text."""

    def __init__(self, database: Database) -> None:
        self._collection = database.collection(API_KEYS)

    async def create(
        self, account: str, name: str, scopes: Iterable[str], introspection: bool = True
    ) -> tuple[str, StoredKey]:
        """A new key: (its clear text, to hand over once; the stored record)."""
        if not account:
            raise ValueError("a key needs an account")
        if not KEY_NAME.match(name):
            raise ValueError(
                f"key name {name!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        clear = KEY_PREFIX + secrets.token_urlsafe(32)
        record = {
            "digest": key_digest(clear),
            "account": account,
            "name": name,
            "scopes": sorted(checked_scopes(scopes)),
            "introspection": introspection,
            "hint": clear[: len(KEY_PREFIX) + 4],
            "createdAt": now_instant(),
            "lastUsedAt": None,
            "revokedAt": None,
        }
        try:
            await self._collection.insert_one(record)
        except DuplicateKeyError:
            raise DuplicateKeyName(
                f"account {account!r} already has a key named {name!r}"
            ) from None
        return clear, _stored_key(record)

    async def use(self, digest: str) -> ApiKey | None:
        """The live key with this digest, recording now as its last use: one command."""
        record = await self._collection.find_one_and_update(
            {"digest": digest, "revokedAt": None}, {"$set": {"lastUsedAt": now_instant()}}
        )
        return None if record is None else _stored_key(record).as_api_key()

    async def active(self) -> int:
        """How many stored keys are not revoked (start-up warns when no key can be used)."""
        return await self._collection.count({"revokedAt": None})

    async def list(self, account: str | None = None) -> list[StoredKey]:
        criteria = {} if account is None else {"account": account}
        records = await self._collection.find(
            criteria, {"_id": 0, "digest": 0}, sort=[("account", 1), ("name", 1)]
        )
        return [_stored_key(record) for record in records]

    async def revoke(self, account: str, name: str) -> StoredKey | None:
        """Revoke a live key; None when the account has no live key of that name."""
        record = await self._collection.find_one_and_update(
            {"account": account, "name": name, "revokedAt": None},
            {"$set": {"revokedAt": now_instant()}},
        )
        return None if record is None else _stored_key(record)


_MISSING = object()


class KeyCache:
    """A bounded least-recently-used map from digest to key (or None), each entry for `ttl`.

    Unknown digests are cached too, so a client stuck on a wrong key costs no command
    per request. A revoked key stops working in every process within `ttl` seconds.
    """

    def __init__(
        self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.ttl, self._clock = capacity, ttl, clock
        self._entries: OrderedDict[str, tuple[float, ApiKey | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: str) -> Any:
        """The cached key or None, or `_MISSING` when absent or expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return _MISSING
        expires, key = entry
        if expires <= self._clock():
            del self._entries[digest]
            return _MISSING
        self._entries.move_to_end(digest)
        return key

    def now(self) -> float:
        return self._clock()

    def put(self, digest: str, key: ApiKey | None, since: float | None = None) -> None:
        """Cache `key` for `ttl` from `since` (when its lookup started; now by default), so
        an entry never outlives `ttl` after the read it holds: a key revoked before a
        lookup started is never served from that lookup's entry past `ttl`."""
        start = self._clock() if since is None else since
        self._entries[digest] = (start + self.ttl, key)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


class ApiKeys:
    """Authenticates bearer keys: configured ones first, then stored ones through the cache.

    A stored key costs one command (lookup and lastUsedAt together) per process and
    cache period; every other request with it costs none, and callers that find its entry
    expired at once share one lookup (open subscriptions re-check their keys together).
    """

    def __init__(self, ring: KeyRing, store: KeyStore | None, cache: KeyCache) -> None:
        self.ring, self.store, self.cache = ring, store, cache
        self._lookups: dict[str, asyncio.Future[ApiKey | None]] = {}

    async def authenticate(self, key: str) -> ApiKey | None:
        return await self.by_digest(key_digest(key))

    async def by_digest(self, digest: str) -> ApiKey | None:
        """The key with this digest as it is now (within the cache period), or None."""
        configured = self.ring.by_digest(digest)
        if configured is not None or self.store is None:
            return configured
        cached = self.cache.get(digest)
        if cached is not _MISSING:
            found: ApiKey | None = cached
            return found
        lookup = self._lookups.get(digest)
        if lookup is None:
            lookup = asyncio.ensure_future(self._look_up(self.store, digest))
            self._lookups[digest] = lookup
            lookup.add_done_callback(lambda done: self._forget(digest, done))
        # Shielded: a caller that goes away does not cancel the others' lookup.
        return await asyncio.shield(lookup)

    async def _look_up(self, store: KeyStore, digest: str) -> ApiKey | None:
        since = self.cache.now()
        found = await store.use(digest)
        self.cache.put(digest, found, since)
        return found

    def _forget(self, digest: str, done: "asyncio.Future[ApiKey | None]") -> None:
        if self._lookups.get(digest) is done:
            del self._lookups[digest]
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have gone
