"""API keys in the store: hashed, named per account, revocable, looked up through a cache."""

import asyncio

import pytest

from store.client import Database
from store.keys import (
    ApiKey,
    ApiKeys,
    DuplicateKeyName,
    KeyCache,
    KeyRing,
    KeyStore,
    checked_scopes,
    key_digest,
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def authenticator(database: Database, clock: Clock, ring: KeyRing | None = None) -> ApiKeys:
    return ApiKeys(ring or KeyRing(), KeyStore(database), KeyCache(100, 60.0, clock))


async def test_create_stores_digest_and_never_the_clear_key(database: Database) -> None:
    clear, stored = await KeyStore(database).create("acme", "partner", ["read", "write"])

    raw = await database.collection("api_keys").find({}, {"_id": 0})
    assert [record["digest"] for record in raw] == [key_digest(clear)]
    assert clear not in str(raw)
    assert clear.startswith("igk_")
    assert len(clear) > 40
    assert stored.hint == clear[:8]
    assert (stored.account, stored.name, stored.scopes) == ("acme", "partner", ("read", "write"))
    assert stored.lastUsedAt is None
    assert stored.revokedAt is None


async def test_create_same_name_in_one_account_is_refused(database: Database) -> None:
    keys = KeyStore(database)
    await keys.create("acme", "partner", ["read"])
    await keys.create("globex", "partner", ["read"])  # another account may reuse the name

    with pytest.raises(DuplicateKeyName, match="already has a key named 'partner'"):
        await keys.create("acme", "partner", ["write"])


@pytest.mark.parametrize(
    ("name", "scopes", "message"),
    [
        ("partner", ["read", "delete"], "unknown scopes \\['delete'\\]"),
        ("partner", [], "at least one scope"),
        ("bad name", ["read"], "key name 'bad name'"),
        ("", ["read"], "key name ''"),
    ],
)
async def test_create_invalid_key_is_refused(
    database: Database, name: str, scopes: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await KeyStore(database).create("acme", name, scopes)


async def test_authenticate_stored_key_costs_one_command_per_cache_period(
    database: Database,
) -> None:
    clear, _ = await KeyStore(database).create("acme", "partner", ["read"], introspection=False)
    clock = Clock()
    keys = authenticator(database, clock)
    before = database.commands.total

    first = await keys.authenticate(clear)
    for _ in range(20):
        assert await keys.authenticate(clear) == first
    assert database.commands.total - before == 1

    assert first is not None
    assert (first.account, first.name, first.scopes) == ("acme", "partner", frozenset({"read"}))
    assert first.introspection is False
    clock.now += 61
    assert await keys.authenticate(clear) == first
    assert database.commands.total - before == 2


async def test_authenticate_records_last_use(database: Database) -> None:
    store = KeyStore(database)
    clear, _ = await store.create("acme", "partner", ["read"])
    await authenticator(database, Clock()).authenticate(clear)

    [listed] = await store.list("acme")
    assert listed.lastUsedAt is not None
    assert listed.lastUsedAt >= listed.createdAt


async def test_revoked_key_stops_authenticating_after_the_cache_period(
    database: Database,
) -> None:
    store = KeyStore(database)
    clear, _ = await store.create("acme", "partner", ["read"])
    clock = Clock()
    keys = authenticator(database, clock)
    assert await keys.authenticate(clear) is not None

    revoked = await store.revoke("acme", "partner")
    assert revoked is not None
    assert revoked.revokedAt is not None
    assert await keys.authenticate(clear) is not None  # still cached in this process
    clock.now += 61
    assert await keys.authenticate(clear) is None
    assert await store.revoke("acme", "partner") is None  # already revoked


async def test_unknown_key_is_cached_as_unknown(database: Database) -> None:
    keys = authenticator(database, Clock())
    before = database.commands.total

    for _ in range(5):
        assert await keys.authenticate("igk_not-a-key") is None
    assert database.commands.total - before == 1


async def test_configured_key_needs_no_command_and_wins(database: Database) -> None:
    ring = KeyRing()
    ring.add("configured-key", "acme", ["read"], name="from-env")
    keys = authenticator(database, Clock(), ring)
    before = database.commands.total

    found = await keys.authenticate("configured-key")
    assert found is not None
    assert found.name == "from-env"
    assert database.commands.total == before


async def test_list_shows_every_key_of_an_account_in_name_order(database: Database) -> None:
    store = KeyStore(database)
    await store.create("acme", "zeta", ["read"])
    await store.create("acme", "alpha", ["ingest"])
    await store.create("globex", "beta", ["read"])
    await store.revoke("acme", "zeta")

    listed = await store.list("acme")
    assert [(key.name, key.revokedAt is not None) for key in listed] == [
        ("alpha", False),
        ("zeta", True),
    ]
    assert [key.account for key in await store.list()] == ["acme", "acme", "globex"]


def test_cache_is_bounded_least_recently_used() -> None:
    cache = KeyCache(capacity=2, ttl=60.0, clock=Clock())
    first, second, third = (ApiKey(name, "acme", frozenset({"read"})) for name in "abc")
    cache.put("a", first)
    cache.put("b", second)
    assert cache.get("a") is first
    cache.put("c", third)
    assert len(cache) == 2
    assert (cache.get("a"), cache.get("c")) == (first, third)
    assert cache.get("b") is not second  # the least recently used went


def test_admin_grants_every_data_scope_but_not_persisted_only() -> None:
    ring = KeyRing()
    ring.add("admin-key-1", "acme", ["admin"])
    admin = ring.authenticate("admin-key-1")
    assert admin is not None
    assert all(admin.grants(scope) for scope in ("read", "write", "ingest", "admin"))
    assert not admin.persisted_only
    assert checked_scopes(["read", "read"]) == frozenset({"read"})


class CountingKeyStore(KeyStore):
    """Counts lookups; each takes one turn of the loop, so callers can overlap."""

    lookups = 0

    async def use(self, digest: str) -> ApiKey | None:
        self.lookups += 1
        await asyncio.sleep(0)
        return await super().use(digest)


async def test_callers_that_find_the_entry_expired_share_one_lookup(database: Database) -> None:
    clock = Clock()
    store = CountingKeyStore(database)
    keys = ApiKeys(KeyRing(), store, KeyCache(100, 60.0, clock))
    clear, _ = await store.create("acme", "live", ["read"])

    # Fifty subscriptions of one key re-check it at once: one command between them.
    found = await asyncio.gather(*(keys.authenticate(clear) for _ in range(50)))
    assert [key.name if key else None for key in found] == ["live"] * 50
    assert store.lookups == 1
    clock.now += 59
    await keys.authenticate(clear)
    assert store.lookups == 1
    clock.now += 2
    await keys.authenticate(clear)
    assert store.lookups == 2


async def test_an_entry_lives_its_period_from_when_its_lookup_started(database: Database) -> None:
    clock = Clock()

    class SlowStore(KeyStore):
        async def use(self, digest: str) -> ApiKey | None:
            found = await super().use(digest)
            clock.now += 10  # the answer arrives late: the key may be revoked meanwhile
            return found

    store = SlowStore(database)
    keys = ApiKeys(KeyRing(), store, KeyCache(100, 60.0, clock))
    clear, _ = await store.create("acme", "slow", ["read"])
    assert await keys.authenticate(clear) is not None
    await store.revoke("acme", "slow")

    clock.now += 49  # 59 s after the lookup started: still the cached answer
    assert await keys.authenticate(clear) is not None
    clock.now += 2  # 61 s: a new lookup, which sees the revocation
    assert await keys.authenticate(clear) is None
