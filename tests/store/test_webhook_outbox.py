"""The webhook outbox on both backends: stored once per event, one lease at a time, an
outcome recorded only under its lease, a subscription's deliveries paused and resumed."""

from store.client import Database
from store.domain.changes import ChangeType
from store.domain.events import InvoiceEvent
from store.webhook_outbox import Attempt, DeliveryStatus, WebhookOutbox

NOW = 1_000_000.0
HORIZON = 3600.0


def event(seq: int) -> InvoiceEvent:
    return InvoiceEvent(
        eventId=f"evt-{seq}",
        account="acme",
        invoiceId=f"inv-{seq}",
        version=1,
        type=ChangeType.CREATE,
        time="2026-12-06T10:00:00.000000000Z",
        changedFields=[],
        actor="test",
        seq=seq,
    )


def attempt(status: int | None, error: str | None = None) -> Attempt:
    return Attempt(
        at="2026-12-06T10:00:01.000000000Z", statusCode=status, error=error, durationMs=3
    )


async def test_an_event_is_stored_once_per_subscription(database: Database) -> None:
    outbox = WebhookOutbox(database)
    assert await outbox.enqueue("whs_a", "acme", [event(1), event(2)], NOW, HORIZON) == 2
    # A second process feeding the same events (or one that died before moving its cursor).
    assert await outbox.enqueue("whs_a", "acme", [event(2), event(3)], NOW, HORIZON) == 1
    assert await outbox.enqueue("whs_b", "acme", [event(1)], NOW, HORIZON) == 1
    rows = await outbox.page("acme", "whs_a", None, 10)
    assert [delivery.seq for delivery, _ in rows] == [3, 2, 1]
    assert await outbox.page("globex", "whs_a", None, 10) == []


async def test_one_lease_at_a_time_and_outcomes_only_under_it(database: Database) -> None:
    outbox = WebhookOutbox(database)
    await outbox.enqueue("whs_a", "acme", [event(1)], NOW, HORIZON)
    [delivery_id] = await outbox.due(NOW, 10)
    first = await outbox.claim(delivery_id, "one", NOW, 30)
    assert first is not None
    assert first.eventId == "evt-1"
    assert await outbox.claim(delivery_id, "two", NOW + 1, 30) is None
    assert await outbox.due(NOW + 1, 10) == []
    # The first holder's lease expired: another process takes over, and the late outcome
    # of the first attempt is not recorded.
    assert await outbox.claim(delivery_id, "two", NOW + 31, 30) is not None
    assert not await outbox.record_attempt(delivery_id, "one", attempt(200), None, True)
    assert await outbox.record_attempt(delivery_id, "two", attempt(503, "503"), NOW + 40, False)
    [(retried, _)] = await outbox.page("acme", "whs_a", None, 10)
    assert retried.status is DeliveryStatus.PENDING
    assert (retried.attempts, retried.lastStatusCode, retried.nextAttemptAt) == (1, 503, NOW + 40)
    assert await outbox.due(NOW + 39, 10) == []
    assert await outbox.due(NOW + 40, 10) == [delivery_id]
    assert await outbox.claim(delivery_id, "one", NOW + 40, 30) is not None
    assert await outbox.record_attempt(delivery_id, "one", attempt(200), None, True)
    [(delivered, _)] = await outbox.page("acme", "whs_a", None, 10)
    assert delivered.status is DeliveryStatus.DELIVERED
    assert [a.statusCode for a in delivered.attemptLog] == [503, 200]
    assert await outbox.due(NOW + 100, 10) == []
    assert await outbox.oldest_pending() is None


async def test_a_disabled_subscription_pauses_and_resumes(database: Database) -> None:
    outbox = WebhookOutbox(database)
    await outbox.enqueue("whs_a", "acme", [event(1), event(2)], NOW, HORIZON)
    await outbox.enqueue("whs_b", "acme", [event(1)], NOW + 5, HORIZON)
    assert await outbox.oldest_pending() == NOW
    assert await outbox.pause("whs_a") == 2
    assert await outbox.due(NOW + 5, 10) == ["whs_b:evt-1"]
    assert await outbox.oldest_pending() == NOW + 5
    assert await outbox.resume("whs_a", NOW + 100, HORIZON) == 2
    rows = await outbox.page("acme", "whs_a", None, 10)
    assert {(d.status, d.giveUpAt) for d, _ in rows} == {
        (DeliveryStatus.PENDING, NOW + 100 + HORIZON)
    }
    assert await outbox.forget("whs_a") == 2
    assert await outbox.page("acme", "whs_a", None, 10) == []
