"""The invoice event feed: one event per change, in one order per account, never lost.

A change never writes the feed itself. It records its event as *pending* inside the
invoice document, in the same atomic write that makes the change (`PENDING_EVENTS`), so
a change without its event cannot exist. The relay (store/event_relay.py) copies pending
events into `invoice_events`, numbering each with the account's next sequence number
(`seq`), and then removes them from the invoice. Copying is idempotent: a unique index
on (account, invoiceId, version) refuses a second copy of one version, and an event's
`_id` holds (account, seq), so one number is never used twice.

A pending event does not name its version: a change without `expectedVersion` does not
know which version its `$inc` produces. The pending list holds the invoice's latest
changes in order, so with k pending events and the invoice at version V, the i-th of
them (from 0) is version V - k + 1 + i; the relay reads the list and the version in one
read of one document. The feed is read in `seq` order up to the account's `done` mark,
below which every number is settled. docs/lifecycle.md ("Events") gives the reasoning.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from store.domain.changes import ChangeType
from store.keyset import SortKey

PENDING_EVENTS = "_pendingEvents"
"""Internal invoice field: the changes whose events are not yet in the feed, oldest first."""

EVENT_ORDER = (SortKey("seq", value_type=int),)
"""The feed's order: the account's sequence number, given as each event enters the feed."""


class InvoiceEvent(BaseModel):
    """One change to one invoice, as the feed reports it."""

    model_config = ConfigDict(extra="forbid")

    eventId: str = Field(min_length=1)
    account: str = Field(min_length=1)
    invoiceId: str = Field(min_length=1)
    channelId: str | None = None
    version: int = Field(ge=1)
    type: ChangeType
    time: str
    changedFields: list[str]
    actor: str
    seq: int = Field(ge=1)
    """The event's place in its account's feed."""


def pending_event(
    event_id: str,
    account: str,
    channel: str | None,
    change_type: ChangeType,
    time: str,
    fields: Sequence[str],
    actor: str,
) -> dict[str, Any]:
    """The pending record a change writes into its invoice, atomically with the change."""
    record: dict[str, Any] = {
        "eventId": event_id,
        "account": account,
        "type": change_type.value,
        "time": time,
        "changedFields": list(fields),
        "actor": actor,
    }
    if channel is not None:
        record["channelId"] = channel
    return record


def event_id(account: str, seq: int) -> str:
    """The `_id` of the feed's record at `seq`: unique per (account, seq) in one collection."""
    return f"{seq:016d}@{account}"
