"""Canonical instants: fixed-width UTC text for every year from 1 to 9999."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from store.domain.instants import instant_to_datetime, is_canonical_instant, parse_instant


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("0999-06-01T00:00:00+00:00", "0999-06-01T00:00:00.000000000Z"),
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00.000000000Z"),
        ("0050-03-01T00:00:00.5-02:00", "0050-03-01T02:00:00.500000000Z"),
        ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
        (datetime(999, 6, 1, tzinfo=UTC), "0999-06-01T00:00:00.000000000Z"),
    ],
)
def test_parse_instant_pads_years_below_1000(value: object, canonical: str) -> None:
    assert parse_instant(value) == canonical
    assert parse_instant(canonical) == canonical
    assert instant_to_datetime(canonical).year == int(canonical[:4])


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:30:00-01:00",
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_parse_instant_refuses_years_outside_utc_range(value: object) -> None:
    with pytest.raises(ValueError, match="outside the years 1 to 9999 in UTC"):
        parse_instant(value)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2024-02-28T23:59:59.123456789Z", True),
        ("0001-01-01T00:00:00.000000000Z", True),
        ("2024-02-29T00:00:00.000000000Z", False),  # leap years are the validator's
        ("2024-01-31T10:00:00.000000000Z", True),
        ("2024-04-30T10:00:00.000000000Z", True),
        ("2024-12-31T23:59:59.999999999Z", True),
        ("2024-04-31T10:00:00.000000000Z", False),  # no such day
        ("2023-02-30T10:00:00.000000000Z", False),
        ("2024-02-31T10:00:00.000000000Z", False),
        ("0000-01-01T00:00:00.000000000Z", False),
        ("2024-01-01T00:00:00.123Z", False),  # not fixed-width
        ("2024-01-01T24:00:00.000000000Z", False),
    ],
)
def test_canonical_instant_text_is_its_own_value(text: str, canonical: bool) -> None:
    assert bool(is_canonical_instant(text)) is canonical
    if canonical:
        assert parse_instant(text) == text


def test_canonical_instant_text_agrees_with_the_validator_on_every_day() -> None:
    """Every month and day of a leap and a common year: canonical only if it parses to itself."""
    for year in ("2023", "2024"):
        for month in range(1, 13):
            for day in range(1, 33):
                text = f"{year}-{month:02d}-{day:02d}T12:34:56.789000000Z"
                try:
                    parsed = parse_instant(text)
                except ValueError:
                    parsed = None
                if is_canonical_instant(text):
                    assert parsed == text
                else:
                    assert parsed is None or (month, day) == (2, 29), text
