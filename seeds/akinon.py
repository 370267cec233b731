"""Akinon OMS invoice records -> fabric invoices, losslessly (see docs/akinon-mapping.md).

Each Akinon value is mapped into a fabric field, kept under `attributes["akinon"]` of the
invoice, order or line it belongs to, or both (when the fabric field changes its type or
text); `recover_akinon_record` rebuilds the original record from the invoice.
"""

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from seeds.akinon_currency import NO_DEFAULT_CURRENCIES, DefaultCurrencies
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus, InvoiceType, StatusCode
from store.domain.money import parse_decimal

SYSTEM = "akinon"
ORIGINAL = "akinon"
"""The attributes key that holds the Akinon values of a level not recoverable from fabric."""
ORDER_STATUS = "akinonOrderStatus"
"""The order attributes key with Akinon's order status: `{"code", "name"}`."""
DEFAULT_CURRENCY = "akinonDefaultCurrency"
"""The invoice attributes key set when `currency` came from the account's setting, not the
record: the record had none (absent, null or empty), so recovery leaves it out."""
RELATED_INVOICE = "akinonRelatedInvoice"
"""The invoice attributes key pointing at the invoice a refund relates to: `{"id", "invoiceId"}`."""

INVOICE_TYPES = {
    "purchase": InvoiceType.SHIPPING,
    "purchased": InvoiceType.SHIPPING,
    "refund": InvoiceType.RETURN,
    "refunded": InvoiceType.RETURN,
}
DEFAULT_INVOICE_TYPE = InvoiceType.SHIPPING

INVOICE_STATUSES = {
    "waiting": InvoiceStatus.DRAFT,
    "pending": InvoiceStatus.DRAFT,
    "draft": InvoiceStatus.DRAFT,
    "approved": InvoiceStatus.ISSUED,
    "issued": InvoiceStatus.ISSUED,
    "completed": InvoiceStatus.ISSUED,
    "sent": InvoiceStatus.ISSUED,
    "cancelled": InvoiceStatus.DELETED,
    "canceled": InvoiceStatus.DELETED,
    "deleted": InvoiceStatus.DELETED,
}
DEFAULT_INVOICE_STATUS = InvoiceStatus.DRAFT

ORDER_STATUS_NAMES = {
    "50": "cancellation_waiting",
    "100": "canceled",
    "200": "waiting",
    "300": "payment_waiting",
    "350": "confirmation_waiting",
    "400": "approved",
    "450": "preparing",
    "500": "shipped",
    "510": "shipped_and_informed",
    "520": "ready_for_pickup",
    "540": "attempted_delivery",
    "544": "review_started",
    "545": "review_waiting",
    "550": "delivered",
    "600": "refunded",
}
"""Akinon's order status codes (`order.state.enum_value`) and their names."""

# Strings copied unchanged into a fabric field that is unset otherwise: they leave the
# kept attributes, and recovery reads them back from the fabric field.
INVOICE_VERBATIM = {"package_number": ("shipmentNumber",), "currency": ("currency",)}
ORDER_VERBATIM = {"number": ("orderNumber",)}
ADDRESS_VERBATIM = {
    "first_name": ("name", "first"),
    "last_name": ("name", "last"),
    "email": ("email",),
    "phone_number": ("phone", "number"),
    "company_name": ("company",),
    "line": ("address", "addressLine1"),
    "postcode": ("address", "postalCode"),
}
ADDRESS_IDS = {"city": ("address", "city"), "country": ("address", "country")}
ITEM_KEPT_NUMBERS = ("tax_rate", "discount_rate", "interest_rate", "interest_amount", "net_amount")
RECORD_TOTALS = {
    "total_amount": "invoiceTotal",
    "tax_amount": "totalTaxAmount",
    "discount_amount": "itemDiscountsTotal",
}
"""Totals a record may carry itself: checked against the sums of its lines."""

_FABRIC_TO_AKINON = {
    ("invoiceDate",): "created_date",
    ("createdAt",): "created_date",
    ("updatedAt",): "modified_date",
    ("source", "modifiedAt"): "modified_date",
    ("orders", 0, "orderDate"): "order.date_placed",
}
_ITEM_FIELDS_TO_AKINON = {
    "invoiceLineTotal": "total_amount",
    "itemTaxTotal": "tax_amount",
    "taxDetail": "tax_amount",
    "itemDiscountsTotal": "discount_amount",
    "lineItemCreatedAt": "created_date",
}


class AkinonRecordError(ValueError):
    """An Akinon record that cannot be mapped: `path` names the field, `reason` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def akinon_invoice_id(account: str, record_id: str) -> str:
    """The invoiceId of an Akinon record: stable, so re-ingest targets the same document."""
    return hashlib.sha256(f"{account}:{SYSTEM}:{record_id}".encode()).hexdigest()[:24]


def map_akinon_invoice(
    record: Mapping[str, Any],
    account: str,
    currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES,
) -> Invoice:
    """One Akinon invoice record -> a validated fabric invoice owned by `account`.

    A record without a currency gets the one `currencies` sets for its account and channel.
    """
    if not isinstance(record, Mapping):
        raise AkinonRecordError("record", f"expected an object, got {_kind(record)}")
    record_id = _id_text(record.get("id"), "id")
    if record_id is None:
        raise AkinonRecordError("id", "missing")
    if record.get("created_date") is None:
        raise AkinonRecordError("created_date", "missing")
    kept = dict(record)
    moved = _take_verbatim(kept, INVOICE_VERBATIM)
    order = _optional_object(record, "order")
    lines = _optional_list(record, "invoiceitem_set")
    order_id = None if order is None else _id_text(order.get("id"), "order.id")
    items = (
        None if lines is None else [_map_item(item, i, order_id) for i, item in enumerate(lines)]
    )
    total = _sum(items, "invoiceLineTotal")
    tax = _sum(items, "itemTaxTotal")
    discount = _sum(items, "itemDiscountsTotal")
    _check_record_totals(
        record, {"invoiceTotal": total, "totalTaxAmount": tax, "itemDiscountsTotal": discount}
    )
    if order is not None:
        del kept["order"]
    if lines is not None:
        del kept["invoiceitem_set"]
    customer = _map_customer(record, kept)  # also leaves only the unmapped address in `kept`
    channel_id = _channel_id(record)
    attributes = _invoice_attributes(kept, record, account)
    default_currency = None if "currency" in moved else currencies.currency_for(account, channel_id)
    if default_currency is not None:
        moved["currency"] = attributes[DEFAULT_CURRENCY] = default_currency
    document = {
        "invoiceId": akinon_invoice_id(account, record_id),
        "invoiceNumber": _id_text(record.get("number"), "number") or f"AKINON-{record_id}",
        "invoiceStatus": _lookup(INVOICE_STATUSES, record.get("status"), DEFAULT_INVOICE_STATUS),
        "invoiceType": _lookup(INVOICE_TYPES, record.get("invoice_type"), DEFAULT_INVOICE_TYPE),
        "invoiceDate": record["created_date"],
        "createdAt": record["created_date"],
        "updatedAt": record.get("modified_date"),
        "statusCode": StatusCode.CREATED,
        "channelId": channel_id,
        "invoiceTotal": total,
        "totalTaxAmount": tax,
        "customer": customer,
        "orders": _map_orders(order, order_id, items, total),
        "attributes": attributes,
        "account": account,
        "version": 1,
        "source": {"system": SYSTEM, "id": record_id, "modifiedAt": record.get("modified_date")},
    }
    _nest(document, moved, INVOICE_VERBATIM)
    return _validate(document)


def recover_akinon_record(invoice: Invoice) -> dict[str, Any]:
    """The Akinon record an invoice was mapped from, equal to the original."""
    record = dict(_kept(invoice.attributes, "invoice"))
    # A currency from the account's setting was not the record's: it had none to restore.
    defaulted = DEFAULT_CURRENCY in (invoice.attributes or {})
    paths = {k: v for k, v in INVOICE_VERBATIM.items() if not (defaulted and k == "currency")}
    _restore(record, invoice, paths)
    if isinstance(record.get("address"), dict):
        address = record["address"] = dict(record["address"])
        _restore(address, invoice.customer, ADDRESS_VERBATIM)
    order = invoice.orders[0] if invoice.orders else None
    if order is not None and order.attributes is not None and ORIGINAL in order.attributes:
        record["order"] = dict(order.attributes[ORIGINAL])
        _restore(record["order"], order, ORDER_VERBATIM)
    if order is not None and order.items is not None:
        record["invoiceitem_set"] = [
            dict(_kept(item.attributes, f"line {i}")) for i, item in enumerate(order.items)
        ]
    return record


def _map_orders(
    order: Mapping[str, Any] | None,
    order_id: str | None,
    items: list[dict[str, Any]] | None,
    total: Decimal,
) -> list[dict[str, Any]] | None:
    """The invoice's one fabric order: Akinon invoices belong to a single order."""
    if order is None and items is None:
        return None
    fabric: dict[str, Any] = {"orderId": order_id, "invoiceOrderTotal": total, "items": items}
    if order is not None:
        kept = dict(order)
        _nest(fabric, _take_verbatim(kept, ORDER_VERBATIM), ORDER_VERBATIM)
        fabric["orderDate"] = order.get("date_placed")
        fabric["attributes"] = {ORIGINAL: kept}
        status = _order_status(order.get("state"))
        if status is not None:
            fabric["attributes"][ORDER_STATUS] = status
    return [fabric]


def _order_status(state: object) -> dict[str, str | None] | None:
    """Akinon's order status code with its name (None for a code not in the table)."""
    if not isinstance(state, dict) or state.get("enum_value") is None:
        return None
    code = str(state["enum_value"])
    return {"code": code, "name": ORDER_STATUS_NAMES.get(code)}


def _map_item(item: object, index: int, order_id: str | None) -> dict[str, Any]:
    """One invoice line; all of its Akinon values are kept, as each mapped one changes type."""
    path = f"invoiceitem_set[{index}]"
    if not isinstance(item, dict):
        raise AkinonRecordError(path, f"expected an object, got {_kind(item)}")
    # Kept-only numbers are still checked: a record with a bad one is a bad record.
    for key in ITEM_KEPT_NUMBERS:
        _decimal(item, key, path)
    tax = _decimal(item, "tax_amount", path)
    return {
        "lineItemId": _id_text(item.get("id"), f"{path}.id"),
        "lineItemNumber": index + 1,
        "itemId": _id_text(item.get("order_item"), f"{path}.order_item"),
        "orderId": order_id,
        "invoiceLineTotal": _decimal(item, "total_amount", path),
        "itemTaxTotal": tax,
        "itemDiscountsTotal": _decimal(item, "discount_amount", path),
        "taxDetail": None if tax is None else [{"type": "VAT", "value": tax}],
        "lineItemCreatedAt": item.get("created_date"),
        "attributes": {ORIGINAL: dict(item)},
    }


def _map_customer(record: Mapping[str, Any], kept: dict[str, Any]) -> dict[str, Any] | None:
    """The customer from the invoice address; its verbatim strings leave `kept["address"]`."""
    address = _optional_object(record, "address")
    if address is None:
        return None
    kept_address = kept["address"] = dict(address)
    customer: dict[str, Any] = {}
    _nest(customer, _take_verbatim(kept_address, ADDRESS_VERBATIM), ADDRESS_VERBATIM)
    ids = {key: _id_text(address.get(key), f"address.{key}") for key in ADDRESS_IDS}
    _nest(customer, ids, ADDRESS_IDS)
    return customer or None


def _invoice_attributes(
    kept: dict[str, Any], record: Mapping[str, Any], account: str
) -> dict[str, Any]:
    """The kept values, and a pointer to the related invoice (a refund's sale) when there is one."""
    attributes: dict[str, Any] = {ORIGINAL: kept}
    related = record.get("related_invoice")
    if isinstance(related, dict):
        related = related.get("id", related.get("pk"))
    if isinstance(related, int | str) and not isinstance(related, bool) and related != "":
        # The related record's own invoiceId, whether or not it has been ingested yet.
        attributes[RELATED_INVOICE] = {
            "id": str(related),
            "invoiceId": akinon_invoice_id(account, str(related)),
        }
    return attributes


def _channel_id(record: Mapping[str, Any]) -> str | None:
    channel = _optional_object(record, "channel")
    return None if channel is None else _id_text(channel.get("id"), "channel.id")


def _check_record_totals(record: Mapping[str, Any], derived: Mapping[str, Decimal]) -> None:
    """Totals the record states itself must equal the sums of its lines."""
    for key, field in RECORD_TOTALS.items():
        stated = _decimal(record, key, "")
        if stated is not None and stated != derived[field]:
            raise AkinonRecordError(key, f"is {record[key]} but the lines sum to {derived[field]}")


def _sum(items: list[dict[str, Any]] | None, field: str) -> Decimal:
    amounts = (item[field] for item in items or () if item[field] is not None)
    return sum(amounts, Decimal("0.00"))


def _validate(document: dict[str, Any]) -> Invoice:
    """Build the Invoice; a validation failure names the Akinon field it came from."""
    try:
        return Invoice.model_validate(document)
    except ValidationError as error:
        # A bad line also fails the sums derived from it: report the line's own field.
        errors = sorted(error.errors(), key=lambda e: _akinon_path(e["loc"]) is None)
        path = _akinon_path(errors[0]["loc"]) or "(fabric) " + ".".join(map(str, errors[0]["loc"]))
        reason = errors[0]["msg"].removeprefix("Value error, ")
        raise AkinonRecordError(path, reason) from error


def _akinon_path(loc: tuple[int | str, ...]) -> str | None:
    """The Akinon field a fabric field was mapped from, when it has exactly one."""
    if loc in _FABRIC_TO_AKINON:
        return _FABRIC_TO_AKINON[loc]
    if len(loc) >= 5 and loc[:3] == ("orders", 0, "items") and loc[4] in _ITEM_FIELDS_TO_AKINON:
        return f"invoiceitem_set[{loc[3]}].{_ITEM_FIELDS_TO_AKINON[str(loc[4])]}"
    return None


def _take_verbatim(kept: dict[str, Any], fields: Iterable[str]) -> dict[str, str]:
    """Pop the non-empty strings among `fields` out of `kept`: a fabric field holds them."""
    moved = {}
    for key in fields:
        value = kept.get(key)
        if isinstance(value, str) and value:
            moved[key] = kept.pop(key)
    return moved


def _nest(
    target: dict[str, Any], values: Mapping[str, Any], paths: Mapping[str, tuple[str, ...]]
) -> None:
    """Set each non-None value at its fabric path inside `target`, creating objects on the way."""
    for key, value in values.items():
        if value is None:
            continue
        path = paths[key]
        node = target
        for parent in path[:-1]:
            node = node.setdefault(parent, {})
        node[path[-1]] = value


def _restore(
    kept: dict[str, Any], source: BaseModel | None, paths: Mapping[str, tuple[str, ...]]
) -> None:
    """The inverse of `_take_verbatim` + `_nest`: read the verbatim strings back."""
    for key, path in paths.items():
        value: Any = source
        for name in path:
            value = getattr(value, name, None)
        if value is not None and key not in kept and isinstance(value, str):
            kept[key] = value


def _kept(attributes: Mapping[str, Any] | None, level: str) -> dict[str, Any]:
    kept = (attributes or {}).get(ORIGINAL)
    if not isinstance(kept, dict):
        raise ValueError(f"the {level} has no attributes[{ORIGINAL!r}]: not mapped from Akinon")
    return kept


def _optional_object(record: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = record.get(key)
    if value is not None and not isinstance(value, dict):
        raise AkinonRecordError(key, f"expected an object or null, got {_kind(value)}")
    return value


def _optional_list(record: Mapping[str, Any], key: str) -> list[Any] | None:
    value = record.get(key)
    if value is not None and not isinstance(value, list):
        raise AkinonRecordError(key, f"expected a list or null, got {_kind(value)}")
    return value


def _decimal(level: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    """The exact number at `key` (None when null or absent); bad text names its path.

    Money's limit on decimal places is left to the Invoice model (errors mapped back).
    """
    value = level.get(key)
    try:
        if type(value) is str:  # the common case first: this runs ~20 times per record
            return _decimal_text(value)
        if value is None:
            return None
        if isinstance(value, float):
            # A JSON body parsed into floats has already rounded the amount: refuse, not guess.
            raise ValueError(f"{value!r} is a binary float: send amounts as strings")
        return parse_decimal(value)
    except ValueError as error:
        raise AkinonRecordError(f"{path}.{key}" if path else key, str(error)) from None


@lru_cache(maxsize=8192)
def _decimal_text(text: str) -> Decimal:
    # Amounts and rates repeat across records ("0.00", "18.00"): parse each text once.
    # Decimals are immutable, so sharing one between invoices is safe.
    return parse_decimal(text)


def _id_text(value: object, path: str) -> str | None:
    """An Akinon id or code as fabric text: ints become their digits, empty means none."""
    if type(value) is str:  # the common case, without comparing an int to ""
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise AkinonRecordError(path, f"expected an integer or a string, got {_kind(value)}")


def _lookup(table: Mapping[str, Any], value: object, default: Any) -> Any:
    return table.get(value.strip().lower(), default) if isinstance(value, str) else default


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
