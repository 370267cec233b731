"""API keys: who a bearer token is, which account it acts for, what it may do.

Keys are held by their SHA-256 digest only; the clear key is never stored.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

PERSISTED_ONLY = "persisted-only"
SCOPES = frozenset({"read", "write", "ingest", "admin", PERSISTED_ONLY})


@dataclass(frozen=True)
class ApiKey:
    """An authenticated caller: a named key of one account with its scopes."""

    name: str
    account: str
    scopes: frozenset[str]

    @property
    def persisted_only(self) -> bool:
        """True when the key may run only trusted persisted documents."""
        return PERSISTED_ONLY in self.scopes


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRing:
    """Keys configured at start-up (environment, demo key), looked up by digest."""

    def __init__(self) -> None:
        self._by_digest: dict[str, ApiKey] = {}

    def add(self, key: str, account: str, scopes: Iterable[str], name: str | None = None) -> None:
        unknown = set(scopes) - SCOPES
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(SCOPES)}")
        digest = key_digest(key)
        self._by_digest[digest] = ApiKey(
            name=name or f"key-{digest[:8]}", account=account, scopes=frozenset(scopes)
        )

    def authenticate(self, key: str) -> ApiKey | None:
        return self._by_digest.get(key_digest(key))
