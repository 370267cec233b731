"""Invoice filters: store-neutral conditions, translated here into one MongoDB filter.

Callers describe what they want as `Condition(field, operator, value)`; only this module
knows the document paths and the MongoDB operators behind them. Conditions combine with
AND. On paths that run through arrays (`orders.orderId`, `orders.items.sku`) the positive
operators (eq, in) hold when any element matches and the negative ones (ne, nin) when no
element does, which is MongoDB's own reading on both backends.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from store.domain.enums import InvoiceStatus, InvoiceType, StatusCode
from store.domain.instants import parse_instant
from store.domain.money import decimal_text, parse_money, to_units
from store.search_keys import CUSTOMER_EMAIL, fold


class FilterField(Enum):
    """The invoice fields the API filters on, by their fabric names."""

    INVOICE_STATUS = "invoiceStatus"
    INVOICE_TYPE = "invoiceType"
    STATUS_CODE = "statusCode"
    CHANNEL_ID = "channelId"
    CURRENCY = "currency"
    INVOICE_NUMBER = "invoiceNumber"
    INVOICE_DATE = "invoiceDate"
    CREATED_AT = "createdAt"
    INVOICE_TOTAL = "invoiceTotal"
    ORDER_NUMBER = "orderNumber"
    ORDER_ID = "orderId"
    SHIPMENT_NUMBER = "shipmentNumber"
    CUSTOMER_EMAIL = "customerEmail"
    SKU = "sku"


class Operator(Enum):
    """fabric's search conditions."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NIN = "nin"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    STARTS_WITH = "startsWith"


class FilterKind(Enum):
    """How a field compares, which decides the operators it takes."""

    CHOICE = "choice"
    """One of an enumeration's values: eq, ne, in, nin."""
    TEXT = "text"
    """Text compared exactly: eq, ne, in, nin."""
    IDENTIFIER = "identifier"
    """A number or code people type the beginning of: TEXT's operators and startsWith."""
    EMAIL = "email"
    """Text compared without regard to case: eq, ne, in, nin."""
    INSTANT = "instant"
    """A point in time, ordered: eq, ne, in, nin, lt, lte, gt, gte."""
    MONEY = "money"
    """An amount, ordered and exact: INSTANT's operators."""


@dataclass(frozen=True)
class Filterable:
    """Where a filter field lives in a stored document, how it compares, what it means."""

    path: str
    kind: FilterKind
    description: str
    choices: type[Enum] | None = None
    """The enumeration of a CHOICE field."""


FILTERABLE: dict[FilterField, Filterable] = {
    FilterField.INVOICE_STATUS: Filterable(
        "invoiceStatus",
        FilterKind.CHOICE,
        "On invoiceStatus. Deleted invoices are left out unless eq or in names DELETED.",
        InvoiceStatus,
    ),
    FilterField.INVOICE_TYPE: Filterable(
        "invoiceType", FilterKind.CHOICE, "On invoiceType.", InvoiceType
    ),
    FilterField.STATUS_CODE: Filterable(
        "statusCode", FilterKind.CHOICE, "On statusCode.", StatusCode
    ),
    FilterField.CHANNEL_ID: Filterable("channelId", FilterKind.TEXT, "On channelId."),
    FilterField.CURRENCY: Filterable("currency", FilterKind.TEXT, "On currency."),
    FilterField.INVOICE_NUMBER: Filterable(
        "invoiceNumber", FilterKind.IDENTIFIER, "On invoiceNumber."
    ),
    FilterField.INVOICE_DATE: Filterable("invoiceDate", FilterKind.INSTANT, "On invoiceDate."),
    FilterField.CREATED_AT: Filterable("createdAt", FilterKind.INSTANT, "On createdAt."),
    # Money compares through its integer companion (docs/money-and-time.md).
    FilterField.INVOICE_TOTAL: Filterable(
        "_units.invoiceTotal", FilterKind.MONEY, "On invoiceTotal."
    ),
    FilterField.ORDER_NUMBER: Filterable(
        "orders.orderNumber",
        FilterKind.IDENTIFIER,
        "On the orderNumber of any of the invoice's orders.",
    ),
    FilterField.ORDER_ID: Filterable(
        "orders.orderId", FilterKind.TEXT, "On the orderId of any of the invoice's orders."
    ),
    FilterField.SHIPMENT_NUMBER: Filterable(
        "shipmentNumber", FilterKind.TEXT, "On shipmentNumber."
    ),
    # Case-insensitive: compared case-folded, through its companion (store/search_keys.py).
    FilterField.CUSTOMER_EMAIL: Filterable(
        CUSTOMER_EMAIL, FilterKind.EMAIL, "On customer.email, without regard to case."
    ),
    FilterField.SKU: Filterable(
        "orders.items.sku",
        FilterKind.IDENTIFIER,
        "On the sku of any item of any of the invoice's orders.",
    ),
}
"""Every filter field: the API's InvoiceFilter is made from this table (graph/types/filters.py)."""

FIELD_PATHS = {field: filterable.path for field, filterable in FILTERABLE.items()}
"""Where each filter field lives in a stored document."""


def _of_kind(*kinds: FilterKind) -> frozenset[FilterField]:
    return frozenset(field for field, filterable in FILTERABLE.items() if filterable.kind in kinds)


INSTANT_FIELDS = _of_kind(FilterKind.INSTANT)
MONEY_FIELDS = _of_kind(FilterKind.MONEY)
ORDERED_FIELDS = INSTANT_FIELDS | MONEY_FIELDS
"""Fields with a meaningful order; only these take lt, lte, gt and gte."""

FOLDED_FIELDS = _of_kind(FilterKind.EMAIL)
"""Fields compared without regard to case."""
PREFIX_FIELDS = _of_kind(FilterKind.IDENTIFIER)
"""Fields that take startsWith: numbers and codes people type the beginning of."""

LIST_OPERATORS = frozenset({Operator.IN, Operator.NIN})
RANGE_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE})
MAX_LIST_VALUES = 100

_MONGO_OPERATORS = {operator: f"${operator.value}" for operator in Operator}
_REGEX_SPECIAL = frozenset("\\^$.|?*+()[]{}")
"""Characters escaped in a prefix: the rest stand for themselves in PCRE and Python alike."""


@dataclass(frozen=True)
class Condition:
    """`field operator value`; `value` is a sequence for IN and NIN."""

    field: FilterField
    operator: Operator
    value: Any


def invoice_criteria(conditions: Sequence[Condition]) -> dict[str, Any] | None:
    """The MongoDB filter of all `conditions` (AND), or None when there are none.

    Raises ValueError for a condition that cannot hold a meaning (see `check_condition`).
    """
    clauses = [_clause(condition) for condition in conditions]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def asks_for_deleted(conditions: Sequence[Condition]) -> bool:
    """Whether a condition names invoiceStatus DELETED with eq or in.

    Deleted invoices are left out of reads (docs/lifecycle.md) unless a filter asks for
    them by name like this; then the read must include them for the filter to find any.
    """
    deleted = InvoiceStatus.DELETED.value
    for condition in conditions:
        if condition.field is not FilterField.INVOICE_STATUS or condition.value is None:
            continue
        if condition.operator is Operator.EQ:
            named = [condition.value]
        elif condition.operator is Operator.IN:
            named = list(condition.value)
        else:
            continue
        if deleted in (_stored_value(condition.field, value) for value in named):
            return True
    return False


def check_condition(condition: Condition) -> None:
    """Raise ValueError, with a reason a client can act on, unless the condition is valid."""
    _clause(condition)


def _clause(condition: Condition) -> dict[str, Any]:
    field, operator = condition.field, condition.operator
    if operator in RANGE_OPERATORS and field not in ORDERED_FIELDS:
        raise ValueError(f"{field.value} has no order to compare with {operator.value}")
    if operator is Operator.STARTS_WITH:
        return {FIELD_PATHS[field]: {"$regex": _prefix_pattern(field, condition.value)}}
    if operator in LIST_OPERATORS:
        if isinstance(condition.value, str | bytes) or not isinstance(condition.value, Sequence):
            raise ValueError(f"{operator.value} takes a list of values")
        if len(condition.value) > MAX_LIST_VALUES:
            raise ValueError(f"{operator.value} takes at most {MAX_LIST_VALUES} values")
        value: Any = [_stored_value(field, item) for item in condition.value]
    else:
        value = _stored_value(field, condition.value)
    return {FIELD_PATHS[field]: {_MONGO_OPERATORS[operator]: value}}


def _stored_value(field: FilterField, value: Any) -> Any:
    """A value as the document stores it: enum values, canonical instants, money units."""
    if value is None:
        raise ValueError("null is not a value to compare with")
    if field in MONEY_FIELDS:
        return to_units(parse_money(decimal_text(value) if isinstance(value, Decimal) else value))
    if field in INSTANT_FIELDS:
        return parse_instant(value)
    if isinstance(value, Enum):
        return value.value
    if not isinstance(value, str):
        raise ValueError(f"{field.value} compares with text, not {type(value).__name__}")
    return fold(value) if field in FOLDED_FIELDS else value


def _prefix_pattern(field: FilterField, prefix: Any) -> str:
    """An anchored, case-sensitive pattern of plain characters: MongoDB reads it as a range
    of the index (from the prefix up to the next one), then checks only the keys in it."""
    if field not in PREFIX_FIELDS:
        names = ", ".join(sorted(field.value for field in PREFIX_FIELDS))
        raise ValueError(f"{field.value} takes no startsWith: {names} do")
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("startsWith takes a non-empty text")
    return "^" + "".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in prefix)
