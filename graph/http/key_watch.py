"""An open subscription keeps checking its key: revoked, or left without `read`, it ends.

A subscription checks its key before each event it delivers and each time it wakes to
read the feed (graph/resolvers/live_events.py). The check asks `ApiKeys`, whose cache
answers without a command while its entry is younger than `INVOICEGRAPH_KEY_CACHE_SECONDS`;
when the entry expires, one lookup serves every subscription and request of the key in
this process. So a revoked key delivers no event written more than that period after the
revocation, and an idle subscription ends within that period plus the poll interval.

The end is the one the connection would have had at its start (docs/live-changes.md): on
a WebSocket, close code 4401 for a revoked key and 4403 for a key without `read`; over
Server-Sent Events, a last `next` with the error (codes UNAUTHENTICATED and FORBIDDEN,
as over HTTP), then `complete`.
"""

from graph.errors import ClientError
from store.keys import ApiKeys, key_digest

SCOPE = "read"


class KeyRevoked(ClientError):
    """The subscription's key was revoked (or lost the scope): the connection ends."""

    def __init__(self, code: str, close_code: int, message: str) -> None:
        self.code = code
        self.close_code = close_code
        super().__init__(message)


class KeyWatch:
    """The key one connection authenticated with, checked again on demand."""

    def __init__(self, keys: ApiKeys, token: str) -> None:
        self._keys = keys
        self._digest = key_digest(token)  # the clear key is not kept
        self.revoked: KeyRevoked | None = None
        """Set once a check found the key gone; every later check raises it at once."""

    async def check(self) -> None:
        """Raise KeyRevoked when the key no longer may subscribe (StoreUnavailable when the
        database cannot tell: the subscription ends as when its feed cannot be read)."""
        if self.revoked is None:
            key = await self._keys.by_digest(self._digest)
            if key is None:
                self.revoked = KeyRevoked(
                    "UNAUTHENTICATED", 4401, "Unauthorized: this API key was revoked"
                )
            elif not key.grants(SCOPE):
                self.revoked = KeyRevoked(
                    "FORBIDDEN", 4403, f"Forbidden: this API key lost the '{SCOPE}' scope"
                )
        if self.revoked is not None:
            raise self.revoked
