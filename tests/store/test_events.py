"""The event feed's store: one record per version, total order, and the in-flight horizon."""

import pytest

from store.changes import ChangeType
from store.client import Database, DuplicateKeyError
from store.events import EventStore, InvoiceEvent


def event(invoice_id: str, version: int, second: int, account: str = "demo") -> InvoiceEvent:
    return InvoiceEvent(
        eventId=f"{invoice_id}-{version}",
        account=account,
        invoiceId=invoice_id,
        version=version,
        type=ChangeType.STATUS_UPDATE,
        time=f"2024-05-01T10:00:{second:02d}Z",
        changedFields=["invoiceStatus"],
        actor="test",
    )


async def test_second_record_of_one_version_is_refused(database: Database) -> None:
    events = EventStore(database).scoped("demo")
    await events.record(event("a", 1, 0))

    with pytest.raises(DuplicateKeyError):
        await events.record(event("a", 1, 5))
    await EventStore(database).scoped("acme").record(event("a", 1, 0, account="acme"))


async def test_page_walks_time_then_invoice_then_version(database: Database) -> None:
    events = EventStore(database).scoped("demo")
    for recorded in (event("b", 1, 1), event("a", 2, 1), event("a", 1, 1), event("c", 1, 0)):
        await events.record(recorded)

    first = await events.page(None, 2)
    rest = await events.page(first[-1][1], 10)

    order = [(found.invoiceId, found.version) for found, _ in first + rest]
    assert order == [("c", 1), ("a", 1), ("a", 2), ("b", 1)]


async def test_page_holds_back_events_from_the_start_of_a_change_in_flight(
    database: Database,
) -> None:
    store = EventStore(database)
    events = store.scoped("demo")
    await events.record(event("a", 1, 1))

    with store.in_flight.track("2024-05-01T10:00:02.000000000Z"):
        await events.record(event("b", 1, 3))  # a later change that finished first
        held = await events.page(None, 10)
    released = await events.page(None, 10)

    assert [found.invoiceId for found, _ in held] == ["a"]
    assert [found.invoiceId for found, _ in released] == ["a", "b"]
    assert store.in_flight.horizon() is None


async def test_events_belong_to_the_scope_account(database: Database) -> None:
    events = EventStore(database).scoped("demo")

    with pytest.raises(ValueError, match="another account"):
        await events.record(event("a", 1, 0, account="acme"))
