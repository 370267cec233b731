"""The retry schedule: the first retry within 5 s by default, exponential, jittered, capped."""

from graph.webhooks.deliverer import RetrySchedule
from invoicegraph.settings import Settings
from invoicegraph.webhooks import retry_schedule


def test_the_default_schedule_retries_first_within_five_seconds() -> None:
    schedule = retry_schedule(Settings())
    assert (schedule.first, schedule.horizon) == (4.0, 86_400.0)
    assert (schedule.delay(1, lambda: 0.0), schedule.delay(1, lambda: 1.0)) == (2.0, 4.0)
    assert [schedule.delay(n, lambda: 1.0) for n in (2, 3, 4)] == [8.0, 16.0, 32.0]
    assert schedule.delay(30, lambda: 1.0) == 3600.0
    assert schedule.delay(30, lambda: 0.0) == 1800.0


def test_the_schedule_is_configurable() -> None:
    schedule = retry_schedule(
        Settings(
            webhook_retry_first_seconds=1,
            webhook_retry_factor=3,
            webhook_retry_max_seconds=5,
            webhook_give_up_seconds=60,
        )
    )
    assert schedule == RetrySchedule(first=1, factor=3, maximum=5, horizon=60)
    assert [schedule.delay(n, lambda: 1.0) for n in (1, 2, 3)] == [1.0, 3.0, 5.0]
