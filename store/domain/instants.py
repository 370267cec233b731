"""Instants: timezone-aware, nanosecond-exact, stored as fixed-width UTC text.

fabric sends nanosecond timestamps ("2022-08-01T20:03:28.483971941Z"); BSON dates
keep milliseconds only. A fixed-width UTC string ("...28.483971941Z") keeps every
digit and sorts chronologically as plain text on every backend (docs/money-and-time.md).
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated

from pydantic import PlainValidator

from store.domain.message_values import shown

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<fraction>\d{1,9}))?"
    r"(?P<offset>Z|z|[+-]\d{2}:?\d{2})?)?$"
)

_UTC = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$")


def parse_instant(value: object) -> str:
    """Normalize an ISO 8601 timestamp or an aware datetime to canonical UTC text."""
    if type(value) is str:
        return _parse_text(value)
    return _parse(value)


@lru_cache(maxsize=16_384)
def _parse_text(value: str) -> str:
    # A record's lines repeat its timestamps, and ingest validates each one twice: the
    # mapper's and the model's. Text in, text out: the cache hands out no shared state.
    return _parse(value)


def _parse(value: object) -> str:
    if isinstance(value, str) and (utc := _UTC.match(value)):
        # The common case, already UTC: check the calendar, then only pad the fraction.
        try:
            datetime.fromisoformat(utc.group(1))
        except ValueError as error:
            raise ValueError(f"{shown(value)} is not a valid timestamp: {error}") from None
        return f"{utc.group(1)}.{(utc.group(2) or '').ljust(9, '0')}Z"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp has no timezone")
        return _utc_text(_to_utc(value, value), f"{value.microsecond:06d}000")
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    match = _ISO.match(value.strip())
    if match is None:
        raise ValueError(f"{shown(value)} is not an ISO 8601 timestamp")
    date, time, fraction, offset = match.group("date", "time", "fraction", "offset")
    if time is None:
        time, offset = "00:00:00", "Z"  # a bare date is that day's midnight UTC
    elif offset is None:
        raise ValueError(f"{shown(value)} has no timezone offset")
    if len(time) == 5:
        time += ":00"
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    try:
        local = datetime.fromisoformat(f"{date}T{time}{offset}")
    except ValueError as error:
        raise ValueError(f"{shown(value)} is not a valid timestamp: {error}") from None
    return _utc_text(_to_utc(local, value), (fraction or "").ljust(9, "0"))


def _to_utc(moment: datetime, value: object) -> datetime:
    """The same instant in UTC; years outside 1..9999 in UTC are refused, not overflowed."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{shown(value)} is outside the years 1 to 9999 in UTC") from None


def _utc_text(moment: datetime, fraction: str) -> str:
    """Fixed-width text: strftime's %Y does not zero-pad years below 1000 on every libc."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{fraction}Z"
    )


_CANONICAL_INSTANT = re.compile(
    r"(?!0000)[0-9]{4}-"
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"  # days every month has
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"  # and the 29th and 30th but in February
    r"|(?:0[13578]|1[02])-31)"  # and the 31st of the months that have one
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{9}Z"
)

is_canonical_instant: Callable[[str], object] = _CANONICAL_INSTANT.fullmatch
"""Truthy for text as `parse_instant` stores it, on any day but February 29th (leap years are
left to the validator): such text validates to itself (graph/compiled/leaves.py)."""


def display_instant(canonical: str) -> str:
    """The canonical text without trailing zero groups: '...31.198000000Z' -> '...31.198Z'."""
    seconds, fraction = canonical[:19], canonical[20:29]
    for digits in (0, 3, 6):
        if fraction[digits:] == "0" * (9 - digits):
            return f"{seconds}.{fraction[:digits]}Z" if digits else f"{seconds}Z"
    return f"{seconds}.{fraction}Z"


def instant_to_datetime(canonical: str) -> datetime:
    """An aware datetime (microsecond precision) for arithmetic."""
    return datetime.strptime(canonical[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


def now_instant() -> str:
    return parse_instant(datetime.now(UTC))


Instant = Annotated[str, PlainValidator(parse_instant)]
"""A point in time, held as canonical UTC text with nanoseconds."""
