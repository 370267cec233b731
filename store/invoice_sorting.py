"""The orders an invoice listing can take, each made total by a unique tiebreaker."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from store.keyset import SortKey
from store.search_keys import UPDATED_AT


class SortField(Enum):
    """The invoice fields a listing sorts by, by their fabric names."""

    INVOICE_DATE = "invoiceDate"
    CREATED_AT = "createdAt"
    INVOICE_TOTAL = "invoiceTotal"
    INVOICE_NUMBER = "invoiceNumber"
    UPDATED_AT = "updatedAt"


@dataclass(frozen=True)
class Sortable:
    """Where a sort field lives in a stored document, its values' type, what it means."""

    path: str
    value_type: type
    description: str
    unique: bool = False


SORTABLE = {
    SortField.INVOICE_DATE: Sortable(
        "invoiceDate", str, "invoiceDate: when the order was invoiced."
    ),
    SortField.CREATED_AT: Sortable("createdAt", str, "createdAt: when the invoice was created."),
    # Money sorts by its integer companion: exact on both backends.
    SortField.INVOICE_TOTAL: Sortable(
        "_units.invoiceTotal", int, "invoiceTotal, compared exactly."
    ),
    # invoiceNumber is unique per account, so it needs no tiebreaker.
    SortField.INVOICE_NUMBER: Sortable(
        "invoiceNumber", str, "invoiceNumber, as text (unique per account).", unique=True
    ),
    # Through its companion: createdAt for an invoice never updated (store/search_keys.py).
    SortField.UPDATED_AT: Sortable(
        UPDATED_AT,
        str,
        "updatedAt: when the invoice last changed; an invoice never updated sorts by its "
        "createdAt.",
    ),
}
"""Every sort field: the API's InvoiceSortField is made from this table (graph/types/sorting.py)."""
TIEBREAKER = "invoiceId"
"""Unique per account: the last key of every order that is not total already."""

DEFAULT_ORDER: tuple[tuple[SortField, bool], ...] = ((SortField.INVOICE_DATE, True),)
"""Newest invoice first."""


def invoice_sort_keys(order: Sequence[tuple[SortField, bool]]) -> tuple[SortKey, ...]:
    """The keys of a total order: `(field, descending)` pairs, then the tiebreaker.

    Keys after a unique one could never decide anything and are left out, so that the
    indexes in store/indexes.py serve every order a client asks for with one key.
    Raises ValueError when a field is listed twice.
    """
    fields = [field for field, _ in order]
    for field in fields:
        if fields.count(field) > 1:
            raise ValueError(f"{field.name} is listed more than once")
    keys: list[SortKey] = []
    for field, descending in order or DEFAULT_ORDER:
        sortable = SORTABLE[field]
        keys.append(SortKey(sortable.path, descending, sortable.value_type))
        if sortable.unique:
            return tuple(keys)
    # The tiebreaker runs the same way as the last key, so one index serves both directions.
    keys.append(SortKey(TIEBREAKER, keys[-1].descending, str))
    return tuple(keys)
