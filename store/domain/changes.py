"""What each kind of change does to a stored invoice, worked out against the state it was read in.

A change request (one class per kind of change) reads a few fields of the invoice, checks
the lifecycle rules, and returns a `Change`: the fields to set and unset, their previous
values for the audit trail, and the conditions under which those previous values still
hold. The writer applies the change only while the conditions hold, so a check can never
pass on a stale read.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any, ClassVar, Protocol

from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus, StatusCode
from store.domain.field_names import is_safe_key, key_problem, unsafe_key_problems
from store.domain.instants import display_instant, instant_to_datetime, parse_instant
from store.domain.lifecycle import (
    check_changeable,
    check_invoice_status_move,
    check_status_code_move,
)
from store.domain.refusals import INVALID_INPUT, ChangeRefused, Refusal, refuse


class ChangeType(Enum):
    """The kinds of change, as named in audit entries (auditType) and events (type)."""

    CREATE = "CREATE"
    STATUS_UPDATE = "STATUS_UPDATE"
    POST = "POST"
    ACKNOWLEDGE = "ACKNOWLEDGE"
    ATTRIBUTES_UPDATE = "ATTRIBUTES_UPDATE"
    SOURCE_UPDATE = "SOURCE_UPDATE"
    """A newer record from the source system the invoice was ingested from (docs/ingest.md)."""


@dataclass(frozen=True)
class Change:
    """One change: what to write, what it replaces, and the state it was checked against."""

    type: ChangeType
    conditions: dict[str, Any]
    sets: dict[str, Any] = field(default_factory=dict)
    unsets: tuple[str, ...] = ()
    previous: dict[str, Any] = field(default_factory=dict)
    """Changed field path -> its value before the change (None when it had none)."""


class ChangeRequest(Protocol):
    """Works out a change from the invoice as read; raises ChangeRefused when it is not allowed."""

    reads: ClassVar[frozenset[str]]

    def change_for(self, invoice: Invoice, now: str) -> Change:
        """The change to `invoice` if it is made at the instant `now`."""
        ...


def _stored(value: InvoiceStatus | StatusCode | None) -> str | None:
    return None if value is None else value.value


def _same(value: Any) -> dict[str, Any]:
    """A condition matching exactly this stored value ($eq: documents are not read as operators).

    None matches a missing field too, which is how the store keeps "no value".
    """
    return {"$eq": value}


@dataclass(frozen=True)
class StatusUpdate:
    """invoiceStatusUpdate: move invoiceStatus along the lifecycle table."""

    target: InvoiceStatus
    reads: ClassVar[frozenset[str]] = frozenset({"invoiceStatus"})

    def change_for(self, invoice: Invoice, now: str) -> Change:
        check_invoice_status_move(invoice.invoiceStatus, self.target)
        current = _stored(invoice.invoiceStatus)
        return Change(
            ChangeType.STATUS_UPDATE,
            conditions={"invoiceStatus": _same(current)},
            sets={"invoiceStatus": self.target.value},
            previous={"invoiceStatus": current},
        )


@dataclass(frozen=True)
class DeliveryStep:
    """invoicePost and invoiceAcknowledge: move statusCode and stamp when it happened."""

    target: StatusCode
    type: ChangeType
    stamp_field: str
    at: str | None = None
    max_ahead_seconds: float = 0.0
    """How far past the server's clock a given time may be: the sender's clock skew."""
    reads: ClassVar[frozenset[str]] = frozenset(
        {"invoiceStatus", "statusCode", "postedAt", "acknowledgedAt"}
    )

    def change_for(self, invoice: Invoice, now: str) -> Change:
        check_status_code_move(invoice.invoiceStatus, invoice.statusCode, self.target)
        at = self.at or now
        latest = parse_instant(instant_to_datetime(now) + timedelta(seconds=self.max_ahead_seconds))
        if at > latest:
            raise refuse(
                INVALID_INPUT,
                f"{self.stamp_field} {display_instant(at)} is in the future: it may be at most "
                f"{self.max_ahead_seconds:g} s after the server's clock ({display_instant(now)})",
                self.stamp_field,
            )
        if self.target is StatusCode.ACKNOWLEDGED and invoice.postedAt and at < invoice.postedAt:
            raise refuse(
                INVALID_INPUT,
                f"acknowledgedAt {display_instant(at)} is before the invoice was posted "
                f"({display_instant(invoice.postedAt)})",
                "acknowledgedAt",
            )
        previous_stamp = getattr(invoice, self.stamp_field)
        watched = {
            "invoiceStatus": _stored(invoice.invoiceStatus),
            "statusCode": _stored(invoice.statusCode),
            self.stamp_field: previous_stamp,
        }
        return Change(
            self.type,
            conditions={path: _same(value) for path, value in watched.items()},
            sets={"statusCode": self.target.value, self.stamp_field: at},
            previous={"statusCode": watched["statusCode"], self.stamp_field: previous_stamp},
        )


def post(at: str | None = None) -> DeliveryStep:
    """CREATED -> POSTED, setting postedAt (now unless given)."""
    return DeliveryStep(StatusCode.POSTED, ChangeType.POST, "postedAt", at)


ACKNOWLEDGE_CLOCK_SKEW_SECONDS = 60.0
"""The default allowance for a merchant's clock running ahead of the server's."""


def acknowledge(
    at: str | None = None, clock_skew_seconds: float = ACKNOWLEDGE_CLOCK_SKEW_SECONDS
) -> DeliveryStep:
    """POSTED -> ACKNOWLEDGED, setting acknowledgedAt (now unless given; never in the future)."""
    return DeliveryStep(
        StatusCode.ACKNOWLEDGED, ChangeType.ACKNOWLEDGE, "acknowledgedAt", at, clock_skew_seconds
    )


@dataclass(frozen=True)
class AttributesUpdate:
    """invoiceAttributesUpdate: set some top-level attribute keys and remove others."""

    attributes: Mapping[str, Any]
    keys_to_remove: Sequence[str]
    reads: ClassVar[frozenset[str]] = frozenset({"invoiceStatus", "attributes"})

    def __post_init__(self) -> None:
        """Refuse bad arguments at once, before anything is read."""
        if not isinstance(self.attributes, Mapping):
            raise refuse(INVALID_INPUT, "attributes must be a JSON object", "attributes")
        problems = unsafe_key_problems(dict(self.attributes), ["attributes"])
        problems += [
            key_problem(key, "keysToRemove") for key in self.keys_to_remove if not is_safe_key(key)
        ]
        both = sorted(set(self.attributes) & set(self.keys_to_remove))
        if both:
            problems.append(
                Refusal(
                    INVALID_INPUT,
                    f"keys both set and removed: {', '.join(both)}",
                    "keysToRemove",
                )
            )
        if not self.attributes and not self.keys_to_remove:
            problems.append(
                Refusal(INVALID_INPUT, "nothing to change: give attributes or keysToRemove", None)
            )
        if problems:
            raise ChangeRefused(problems)

    def change_for(self, invoice: Invoice, now: str) -> Change:
        """Only what changes: a value the invoice already has, or the removal of a key it
        does not have, is left out; with nothing left the change is a no-op."""
        check_changeable(invoice.invoiceStatus)
        current = invoice.attributes or {}
        sets = {
            key: value
            for key, value in self.attributes.items()
            if key not in current or not same_json(current[key], value)
        }
        removed = [key for key in dict.fromkeys(self.keys_to_remove) if key in current]
        previous = {f"attributes.{key}": current.get(key) for key in [*sets, *removed]}
        conditions = {path: _same(value) for path, value in previous.items()}
        conditions["invoiceStatus"] = {"$ne": InvoiceStatus.DELETED.value}
        return Change(
            ChangeType.ATTRIBUTES_UPDATE,
            conditions=conditions,
            sets={f"attributes.{key}": value for key, value in sets.items()},
            unsets=tuple(f"attributes.{key}" for key in removed),
            previous=previous,
        )


def same_json(stored: Any, given: Any) -> bool:
    """The same JSON value: numbers by value (1 and 1.0), booleans only as booleans, objects
    whatever their keys' order."""
    if isinstance(stored, bool) or isinstance(given, bool):
        return stored is given
    if isinstance(stored, int | float) and isinstance(given, int | float):
        return stored == given
    if isinstance(stored, dict) and isinstance(given, dict):
        return stored.keys() == given.keys() and all(
            same_json(stored[key], given[key]) for key in stored
        )
    if isinstance(stored, list) and isinstance(given, list):
        return len(stored) == len(given) and all(map(same_json, stored, given))
    return type(stored) is type(given) and bool(stored == given)
