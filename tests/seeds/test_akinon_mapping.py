"""The Akinon -> fabric mapping: values, tables, nulls, errors, and lossless recovery."""

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from seeds.akinon import (
    DEFAULT_CURRENCY,
    ORDER_STATUS,
    ORDER_STATUS_NAMES,
    ORIGINAL,
    RELATED_INVOICE,
    AkinonRecordError,
    akinon_invoice_id,
    map_akinon_invoice,
    recover_akinon_record,
)
from seeds.akinon_currency import DefaultCurrencies
from store.domain.documents import Invoice, json_numbers
from store.domain.enums import InvoiceStatus, InvoiceType, StatusCode
from store.invoices import from_document, to_document

EXAMPLE_PAGE = Path(__file__).parents[2] / "seeds" / "data" / "akinon-example-page.json"
ACCOUNT = "acme"


@pytest.fixture
def record() -> dict[str, Any]:
    """A fresh copy of Akinon's documented example invoice, parsed as ingest parses it."""
    page = json.loads(EXAMPLE_PAGE.read_text(), parse_float=Decimal)
    result: dict[str, Any] = page["results"][0]
    return result


def item(**overrides: Any) -> dict[str, Any]:
    line = {
        "id": 7,
        "created_date": "2019-03-20T13:20:08.747792Z",
        "modified_date": "2019-03-20T13:20:08.747821Z",
        "tax_rate": "18.00",
        "tax_amount": "10.00",
        "discount_rate": "0.00",
        "discount_amount": "0.00",
        "interest_rate": "0.00",
        "interest_amount": None,
        "total_amount": "100.00",
        "net_amount": "100.00",
        "order_item": 9,
    }
    return line | overrides


def assert_round_trip(record: dict[str, Any]) -> Invoice:
    """Map, recover, and recover again after the store's document encoding."""
    original = copy.deepcopy(record)
    invoice = map_akinon_invoice(record, ACCOUNT)
    assert record == original, "the mapper must not change its input"
    assert recover_akinon_record(invoice) == original
    stored = from_document(to_document(invoice))
    assert recover_akinon_record(stored) == json_numbers(original)
    return invoice


# The reference record


def test_map_reference_record_fills_every_mapped_field(record: dict[str, Any]) -> None:
    invoice = map_akinon_invoice(record, ACCOUNT)

    assert invoice.invoiceId == akinon_invoice_id(ACCOUNT, "2")
    assert len(invoice.invoiceId) == 24
    int(invoice.invoiceId, 16)
    assert invoice.source is not None
    assert invoice.source.model_dump() == {
        "system": "akinon",
        "id": "2",
        "modifiedAt": "2019-03-20T13:20:08.741992000Z",
    }
    assert (invoice.account, invoice.version) == (ACCOUNT, 1)
    assert invoice.invoiceNumber == "9222609107"
    assert invoice.invoiceType is InvoiceType.SHIPPING
    assert invoice.invoiceStatus is InvoiceStatus.DRAFT
    assert invoice.statusCode is StatusCode.CREATED
    assert invoice.invoiceDate == invoice.createdAt == "2019-03-20T13:20:08.741964000Z"
    assert invoice.updatedAt == "2019-03-20T13:20:08.741992000Z"
    assert invoice.channelId == "2"
    assert invoice.shipmentNumber == "PCK_200_1"
    assert invoice.currency is None
    assert invoice.invoiceTotal == Decimal("399.00")
    assert invoice.totalTaxAmount == Decimal("29.56")

    customer = invoice.customer
    assert customer is not None
    assert customer.model_dump(exclude_none=True) == {
        "name": {"first": "first_name", "last": "last_name"},
        "email": "email",
        "phone": {"number": "05000000000"},
        "address": {"addressLine1": "line", "city": "2", "country": "1"},
    }

    assert invoice.orders is not None
    [order] = invoice.orders
    assert order.orderId == "2"
    assert order.orderNumber == "378321346010117487"
    assert order.orderDate == "2018-11-07T14:45:29.000000000Z"
    assert order.invoiceOrderTotal == Decimal("399.00")
    assert order.attributes is not None
    assert order.attributes[ORDER_STATUS] == {"code": "100", "name": "canceled"}
    assert order.attributes[ORIGINAL]["state"]["enum_value"] == "100"
    assert order.attributes[ORIGINAL]["customer"] == 2
    assert order.attributes[ORIGINAL]["billing_address"] == 3
    assert order.attributes[ORIGINAL]["shipping_address"] == 4

    assert order.items is not None
    [line] = order.items
    assert line.lineItemId == "2"
    assert line.lineItemNumber == 1
    assert line.itemId == "2"
    assert line.orderId == "2"
    assert line.invoiceLineTotal == Decimal("399.00")
    assert line.itemTaxTotal == Decimal("29.56")
    assert line.itemDiscountsTotal == Decimal("0.00")
    assert [(tax.type, tax.value) for tax in line.taxDetail or []] == [("VAT", Decimal("29.56"))]
    assert line.lineItemCreatedAt == "2019-03-20T13:20:08.747792000Z"
    assert line.attributes == {ORIGINAL: record["invoiceitem_set"][0]}


def test_recover_reference_record_gives_back_the_original(record: dict[str, Any]) -> None:
    invoice = assert_round_trip(record)

    recovered = recover_akinon_record(invoice)
    assert json.dumps(recovered, sort_keys=True) == json.dumps(record, sort_keys=True)
    assert recovered["invoiceitem_set"][0]["total_amount"] == "399.00"
    assert recovered["invoiceitem_set"][0]["interest_amount"] is None
    assert recovered["address"]["postcode"] == ""


def test_map_reference_record_keeps_no_mapped_copy_of_verbatim_strings(
    record: dict[str, Any],
) -> None:
    invoice = map_akinon_invoice(record, ACCOUNT)

    assert invoice.attributes is not None
    kept = invoice.attributes[ORIGINAL]
    assert "package_number" not in kept
    assert "order" not in kept
    assert "invoiceitem_set" not in kept
    assert not {"email", "phone_number", "first_name", "last_name", "line"} & set(kept["address"])
    assert kept["address"]["postcode"] == "", "an empty string is kept, not mapped"


def test_invoice_id_is_stable_per_account_and_record() -> None:
    assert akinon_invoice_id("a", "2") == akinon_invoice_id("a", "2")
    assert akinon_invoice_id("a", "2") != akinon_invoice_id("b", "2")
    assert akinon_invoice_id("a", "2") != akinon_invoice_id("a", "3")


# Types, statuses and order codes


@pytest.mark.parametrize(
    ("invoice_type", "expected"),
    [
        ("purchase", InvoiceType.SHIPPING),
        ("purchased", InvoiceType.SHIPPING),
        ("refund", InvoiceType.RETURN),
        ("Refund", InvoiceType.RETURN),
        ("gift", InvoiceType.SHIPPING),
        (None, InvoiceType.SHIPPING),
    ],
)
def test_map_invoice_type(record: dict[str, Any], invoice_type: Any, expected: InvoiceType) -> None:
    record["invoice_type"] = invoice_type

    invoice = assert_round_trip(record)

    assert invoice.invoiceType is expected
    assert invoice.attributes is not None
    assert invoice.attributes[ORIGINAL]["invoice_type"] == invoice_type


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("waiting", InvoiceStatus.DRAFT),
        ("approved", InvoiceStatus.ISSUED),
        ("completed", InvoiceStatus.ISSUED),
        ("cancelled", InvoiceStatus.DELETED),
        ("canceled", InvoiceStatus.DELETED),
        ("on_the_moon", InvoiceStatus.DRAFT),
        (None, InvoiceStatus.DRAFT),
    ],
)
def test_map_invoice_status_keeps_the_original(
    record: dict[str, Any], status: Any, expected: InvoiceStatus
) -> None:
    record["status"] = status

    invoice = assert_round_trip(record)

    assert invoice.invoiceStatus is expected
    assert invoice.attributes is not None
    assert invoice.attributes[ORIGINAL]["status"] == status


@pytest.mark.parametrize(("code", "name"), sorted(ORDER_STATUS_NAMES.items()))
def test_map_order_status_code_gets_its_name(record: dict[str, Any], code: str, name: str) -> None:
    record["order"]["state"]["enum_value"] = code

    invoice = assert_round_trip(record)

    assert invoice.orders is not None
    assert invoice.orders[0].attributes is not None
    assert invoice.orders[0].attributes[ORDER_STATUS] == {"code": code, "name": name}


@pytest.mark.parametrize("code", ["999", 400])
def test_map_unknown_or_integer_order_code_is_kept(record: dict[str, Any], code: Any) -> None:
    record["order"]["state"]["enum_value"] = code

    invoice = assert_round_trip(record)

    assert invoice.orders is not None
    attributes = invoice.orders[0].attributes
    assert attributes is not None
    assert attributes[ORIGINAL]["state"]["enum_value"] == code
    assert attributes[ORDER_STATUS]["code"] == str(code)
    assert attributes[ORDER_STATUS]["name"] == ORDER_STATUS_NAMES.get(str(code))


# Null, empty and missing values


@pytest.mark.parametrize("number", [None, ""])
def test_map_missing_number_falls_back_and_stays_recoverable(
    record: dict[str, Any], number: Any
) -> None:
    record["number"] = number

    invoice = assert_round_trip(record)

    assert invoice.invoiceNumber == "AKINON-2"


def test_map_absent_number_falls_back_and_stays_recoverable(record: dict[str, Any]) -> None:
    del record["number"]

    assert assert_round_trip(record).invoiceNumber == "AKINON-2"


def test_map_null_address_channel_order_and_lines(record: dict[str, Any]) -> None:
    record.update(address=None, channel=None, order=None, invoiceitem_set=None)

    invoice = assert_round_trip(record)

    assert invoice.customer is None
    assert invoice.channelId is None
    assert invoice.orders is None
    assert invoice.invoiceTotal == Decimal("0.00")
    assert invoice.totalTaxAmount == Decimal("0.00")


def test_map_absent_address_channel_order_and_lines(record: dict[str, Any]) -> None:
    for key in ("address", "channel", "order", "invoiceitem_set", "modified_date", "status"):
        del record[key]

    invoice = assert_round_trip(record)

    assert invoice.orders is None
    assert invoice.updatedAt is None
    assert invoice.source is not None
    assert invoice.source.modifiedAt is None


def test_map_empty_lines_gives_zero_totals(record: dict[str, Any]) -> None:
    record["invoiceitem_set"] = []

    invoice = assert_round_trip(record)

    assert invoice.invoiceTotal == Decimal("0.00")
    assert invoice.orders is not None
    assert invoice.orders[0].items == []
    assert invoice.orders[0].invoiceOrderTotal == Decimal("0.00")


def test_map_lines_without_order(record: dict[str, Any]) -> None:
    record["order"] = None

    invoice = assert_round_trip(record)

    assert invoice.orders is not None
    [order] = invoice.orders
    assert order.orderId is None
    assert order.attributes is None
    assert order.items is not None
    assert order.items[0].orderId is None


def test_map_null_line_amounts(record: dict[str, Any]) -> None:
    record["invoiceitem_set"] = [
        item(tax_amount=None, total_amount=None, discount_amount=None, interest_amount=None),
        item(id=8),
    ]

    invoice = assert_round_trip(record)

    assert invoice.orders is not None
    items = invoice.orders[0].items or []
    assert items[0].invoiceLineTotal is None
    assert items[0].taxDetail is None
    assert invoice.invoiceTotal == Decimal("100.00")
    assert invoice.totalTaxAmount == Decimal("10.00")


def test_map_empty_address_strings_stay_unset(record: dict[str, Any]) -> None:
    record["address"].update(email="", first_name="", last_name=None, line="", phone_number="")
    record["address"].update(city=None, country=None)

    invoice = assert_round_trip(record)

    assert invoice.customer is None


def test_map_null_state_gives_no_order_status(record: dict[str, Any]) -> None:
    record["order"]["state"] = None

    invoice = assert_round_trip(record)

    assert invoice.orders is not None
    assert invoice.orders[0].attributes is not None
    assert ORDER_STATUS not in invoice.orders[0].attributes


# Corporate addresses and unknown fields


def test_map_corporate_address(record: dict[str, Any]) -> None:
    record["address"].update(
        company_name="Akme A.Ş.",
        tax_office="Kadıköy",
        tax_no="1234567890",
        e_bill_taxpayer=True,
        is_corporate=True,
        postcode="34710",
        district=12,
    )

    invoice = assert_round_trip(record)

    assert invoice.customer is not None
    assert invoice.customer.company == "Akme A.Ş."
    assert invoice.customer.address is not None
    assert invoice.customer.address.postalCode == "34710"
    assert invoice.attributes is not None
    kept = invoice.attributes[ORIGINAL]["address"]
    assert kept["tax_office"] == "Kadıköy"
    assert kept["tax_no"] == "1234567890"
    assert kept["e_bill_taxpayer"] is True
    assert kept["is_corporate"] is True
    assert kept["district"] == 12
    assert kept["township"] == 2


def test_map_unknown_fields_at_every_level_are_kept(record: dict[str, Any]) -> None:
    record["e_archive_url"] = "https://example.test/a.pdf"
    record["channel"]["x_channel"] = {"nested": [1, None, "two"]}
    record["address"]["x_address"] = None
    record["invoiceitem_set"][0]["x_item"] = 42
    record["order"]["x_order"] = ["a"]
    record["order"]["state"]["x_state"] = False

    invoice = assert_round_trip(record)

    assert invoice.attributes is not None
    kept = invoice.attributes[ORIGINAL]
    assert kept["e_archive_url"] == "https://example.test/a.pdf"
    assert kept["channel"]["x_channel"] == {"nested": [1, None, "two"]}
    assert kept["address"]["x_address"] is None
    assert invoice.orders is not None
    order = invoice.orders[0]
    assert order.attributes is not None
    assert order.attributes[ORIGINAL]["x_order"] == ["a"]
    assert order.attributes[ORIGINAL]["state"]["x_state"] is False
    assert order.items is not None
    assert order.items[0].attributes is not None
    assert order.items[0].attributes[ORIGINAL]["x_item"] == 42


def test_map_record_currency_when_present(record: dict[str, Any]) -> None:
    record["currency"] = "TRY"

    assert assert_round_trip(record).currency == "TRY"


# Timestamps and money


def test_map_timestamps_to_utc(record: dict[str, Any]) -> None:
    record["created_date"] = "2019-03-20T16:20:08.741964+03:00"
    record["order"]["date_placed"] = "2018-11-07T09:45:29-05:00"

    invoice = assert_round_trip(record)

    assert invoice.invoiceDate == "2019-03-20T13:20:08.741964000Z"
    assert invoice.orders is not None
    assert invoice.orders[0].orderDate == "2018-11-07T14:45:29.000000000Z"
    assert invoice.attributes is not None
    assert invoice.attributes[ORIGINAL]["created_date"] == "2019-03-20T16:20:08.741964+03:00"


def test_map_money_keeps_its_digits(record: dict[str, Any]) -> None:
    record["invoiceitem_set"] = [item(total_amount="399.10", tax_amount="0.5")]

    invoice = assert_round_trip(record)

    document = to_document(invoice)
    assert document["invoiceTotal"] == "399.10"
    assert document["totalTaxAmount"] == "0.50"
    line = document["orders"][0]["items"][0]
    assert line["invoiceLineTotal"] == "399.10"
    assert line["itemTaxTotal"] == "0.5"
    assert line["attributes"][ORIGINAL]["total_amount"] == "399.10"


def test_map_derives_totals_from_the_lines(record: dict[str, Any]) -> None:
    record["invoiceitem_set"] = [
        item(id=1, total_amount="100.10", tax_amount="15.27"),
        item(id=2, total_amount="0.90", tax_amount="0.14"),
        item(id=3, total_amount="-11.00", tax_amount="-1.68"),
    ]

    invoice = assert_round_trip(record)

    assert invoice.invoiceTotal == Decimal("90.00")
    assert invoice.totalTaxAmount == Decimal("13.73")
    assert invoice.orders is not None
    assert invoice.orders[0].invoiceOrderTotal == Decimal("90.00")
    assert [line.lineItemNumber for line in invoice.orders[0].items or []] == [1, 2, 3]


def test_map_checks_totals_the_record_states(record: dict[str, Any]) -> None:
    record["total_amount"] = "399.0"
    record["tax_amount"] = "29.56"

    invoice = assert_round_trip(record)

    assert invoice.attributes is not None
    assert invoice.attributes[ORIGINAL]["total_amount"] == "399.0"


@pytest.mark.parametrize(
    ("key", "stated"),
    [("total_amount", "400.00"), ("tax_amount", "0.00"), ("discount_amount", "5.00")],
)
def test_map_rejects_stated_totals_that_disagree(
    record: dict[str, Any], key: str, stated: str
) -> None:
    record[key] = stated

    with pytest.raises(AkinonRecordError, match="lines sum to") as caught:
        map_akinon_invoice(record, ACCOUNT)

    assert caught.value.path == key


def test_map_checks_a_stated_discount_against_the_lines(record: dict[str, Any]) -> None:
    record["invoiceitem_set"] = [item(id=1, discount_amount="2.50"), item(id=2)]
    record["discount_amount"] = "2.5"

    invoice = assert_round_trip(record)

    assert invoice.attributes is not None
    assert invoice.attributes[ORIGINAL]["discount_amount"] == "2.5"


@pytest.mark.parametrize("related", [41, "41", {"id": 41, "number": "R-41"}])
def test_map_refund_points_at_its_related_invoice(record: dict[str, Any], related: Any) -> None:
    record.update(invoice_type="refund", related_invoice=related)

    invoice = assert_round_trip(record)

    assert invoice.invoiceType is InvoiceType.RETURN
    assert invoice.attributes is not None
    assert invoice.attributes[RELATED_INVOICE] == {
        "id": "41",
        "invoiceId": akinon_invoice_id(ACCOUNT, "41"),
    }
    assert invoice.attributes[ORIGINAL]["related_invoice"] == related


@pytest.mark.parametrize("related", [None, "", {"number": "R-41"}])
def test_map_without_a_related_invoice_id_has_no_pointer(
    record: dict[str, Any], related: Any
) -> None:
    record["related_invoice"] = related

    invoice = assert_round_trip(record)

    assert invoice.attributes is not None
    assert RELATED_INVOICE not in invoice.attributes


# Errors


def breaking(record: dict[str, Any], change: str) -> None:
    """Apply one named damage to the record."""
    line = record["invoiceitem_set"][0]
    changes = {
        "no id": lambda: record.pop("id"),
        "null id": lambda: record.update(id=None),
        "object id": lambda: record.update(id={"pk": 2}),
        "no created_date": lambda: record.pop("created_date"),
        "bad created_date": lambda: record.update(created_date="20th of March"),
        "naive modified_date": lambda: record.update(modified_date="2019-03-20T13:20:08"),
        "bad date_placed": lambda: record["order"].update(date_placed="2018-13-45T00:00:00Z"),
        "bad line date": lambda: line.update(created_date=17),
        "abc total": lambda: line.update(total_amount="abc"),
        "abc rate": lambda: line.update(tax_rate="abc"),
        "abc interest": lambda: line.update(interest_amount="abc"),
        "boolean discount": lambda: line.update(discount_amount=True),
        "too precise total": lambda: line.update(total_amount="1.0000001"),
        "too precise tax": lambda: line.update(tax_amount="1.0000001"),
        "line not an object": lambda: record["invoiceitem_set"].append("oops"),
        "lines not a list": lambda: record.update(invoiceitem_set={"id": 1}),
        "order not an object": lambda: record.update(order=2),
        "address not an object": lambda: record.update(address="line"),
        "channel not an object": lambda: record.update(channel=2),
        "bad channel id": lambda: record["channel"].update(id=2.5),
        "bad city id": lambda: record["address"].update(city=[2]),
        "bad stated total": lambda: record.update(total_amount="lots"),
    }
    changes[change]()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ("no id", "id"),
        ("null id", "id"),
        ("object id", "id"),
        ("no created_date", "created_date"),
        ("bad created_date", "created_date"),
        ("naive modified_date", "modified_date"),
        ("bad date_placed", "order.date_placed"),
        ("bad line date", "invoiceitem_set[0].created_date"),
        ("abc total", "invoiceitem_set[0].total_amount"),
        ("abc rate", "invoiceitem_set[0].tax_rate"),
        ("abc interest", "invoiceitem_set[0].interest_amount"),
        ("boolean discount", "invoiceitem_set[0].discount_amount"),
        ("too precise total", "invoiceitem_set[0].total_amount"),
        ("too precise tax", "invoiceitem_set[0].tax_amount"),
        ("line not an object", "invoiceitem_set[1]"),
        ("lines not a list", "invoiceitem_set"),
        ("order not an object", "order"),
        ("address not an object", "address"),
        ("channel not an object", "channel"),
        ("bad channel id", "channel.id"),
        ("bad city id", "address.city"),
        ("bad stated total", "total_amount"),
    ],
)
def test_map_bad_record_names_the_path(record: dict[str, Any], change: str, path: str) -> None:
    breaking(record, change)

    with pytest.raises(AkinonRecordError) as caught:
        map_akinon_invoice(record, ACCOUNT)

    assert caught.value.path == path
    assert caught.value.reason
    assert str(caught.value) == f"{path}: {caught.value.reason}"


def test_map_record_that_is_not_an_object() -> None:
    with pytest.raises(AkinonRecordError, match=r"^record: expected an object, got list$"):
        map_akinon_invoice([], ACCOUNT)  # type: ignore[arg-type]


def test_recover_refuses_an_invoice_not_from_akinon(record: dict[str, Any]) -> None:
    invoice = map_akinon_invoice(record, ACCOUNT)
    invoice.attributes = {}

    with pytest.raises(ValueError, match="not mapped from Akinon"):
        recover_akinon_record(invoice)


# Property: recover(map(r)) == r for Akinon-like records

FLOATS = st.floats(allow_nan=False, allow_infinity=False)
# A file is parsed with parse_float=Decimal: its numbers arrive as the Decimal of their text.
FILE_DECIMALS = FLOATS.map(lambda number: Decimal(repr(number)))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=6)
    | FLOATS
    | FILE_DECIMALS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
# Amounts keep their 64-bit companion in millionths: abs(amount) < 2**63 / 10**6. The
# invoice sums up to four lines, so one line's amount stays within a quarter of that.
MONEY_BOUND = Decimal(2**63 - 1) / 10**6 / 4


@st.composite
def money(draw: st.DrawFn) -> str:
    places = draw(st.integers(0, 6))
    bound = MONEY_BOUND.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    amount = draw(st.decimals(-bound, bound, places=places))
    return f"{amount:.{places}f}"


MONEY = money()
IDS = st.integers(0, 10**12)
TEXT = st.text(max_size=12)


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    # Any year from 1 to 9999, written in a local offset that keeps it in range.
    first, last = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)
    moment = first + timedelta(seconds=draw(st.integers(0, int((last - first).total_seconds()))))
    fraction = draw(st.sampled_from(["", ".1", ".123", ".741964", ".483971941"]))
    offset = draw(st.sampled_from(["Z", "+00:00", "+03:00", "-05:30", "+14:00", "-12:00"]))
    zone = UTC if offset == "Z" else datetime.fromisoformat(f"2000-01-01T00:00{offset}").tzinfo
    local = moment.astimezone(zone)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}{fraction}{offset}"
    )


TIMESTAMPS = timestamps()


def with_extras(level: st.SearchStrategy[dict[str, Any]], known: set[str]) -> Any:
    """A level plus random unknown fields whose names do not collide with known ones."""
    extras = st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda k: k not in known), JSON_VALUES, max_size=2
    )
    return st.tuples(level, extras).map(lambda pair: pair[1] | pair[0])


def akinon_level(
    required: dict[str, Any], optional: dict[str, Any], reserved: frozenset[str] = frozenset()
) -> Any:
    """Required and optional (possibly absent) fields, plus unknown extra fields."""
    known = set(required) | set(optional) | reserved
    return with_extras(st.fixed_dictionaries(required, optional=optional), known)


CHANNELS = akinon_level(
    {"id": IDS},
    {
        "channel_type": TEXT,
        "created_date": TIMESTAMPS,
        "name": TEXT,
        "configuration": st.just({}),
        "is_active": st.booleans(),
    },
)
ADDRESSES = akinon_level(
    {},
    {
        key: st.none() | TEXT
        for key in (
            "email",
            "phone_number",
            "first_name",
            "last_name",
            "line",
            "title",
            "postcode",
            "notes",
            "company_name",
            "tax_office",
            "tax_no",
        )
    }
    | {key: st.none() | IDS for key in ("pk", "country", "city", "township", "district")}
    | {"e_bill_taxpayer": st.booleans(), "is_corporate": st.booleans()},
)
ITEMS = akinon_level(
    {"id": IDS, "created_date": TIMESTAMPS},
    {
        key: st.none() | MONEY
        for key in (
            "tax_rate",
            "tax_amount",
            "discount_rate",
            "discount_amount",
            "interest_rate",
            "interest_amount",
            "total_amount",
            "net_amount",
        )
    }
    | {"modified_date": TIMESTAMPS, "order_item": st.none() | IDS},
)
STATES = akinon_level(
    {"id": IDS},
    {
        "enum_value": st.none() | st.sampled_from(sorted(ORDER_STATUS_NAMES)) | TEXT | IDS,
        "name": TEXT,
        "next_states": st.lists(IDS, max_size=2),
        "enum_class": st.just("OrderStatus"),
    },
)
ORDERS = akinon_level(
    {"id": st.none() | IDS},
    {
        "state": st.none() | STATES,
        "payment_type": st.none() | TEXT,
        "created_date": TIMESTAMPS,
        "omnitron_id": IDS,
        "number": st.none() | TEXT,
        "date_placed": st.none() | TIMESTAMPS,
        "channel": IDS,
        "customer": st.none() | IDS,
        "shipping_address": st.none() | IDS,
        "billing_address": st.none() | IDS,
    },
)
RECORDS = akinon_level(
    {"id": IDS, "created_date": TIMESTAMPS},
    {
        "invoice_type": st.none() | st.sampled_from(["purchase", "purchased", "refund"]) | TEXT,
        "status": st.none() | st.sampled_from(["waiting", "approved", "cancelled"]) | TEXT,
        "channel": st.none() | CHANNELS,
        "address": st.none() | ADDRESSES,
        "invoiceitem_set": st.none() | st.lists(ITEMS, max_size=4),
        "order": st.none() | ORDERS,
        "package_number": st.none() | TEXT,
        "modified_date": st.none() | TIMESTAMPS,
        "number": st.none() | TEXT,
        "currency": st.none() | st.sampled_from(["TRY", "", "USD"]),
        "related_invoice": st.none() | IDS | TEXT | st.fixed_dictionaries({"id": IDS}),
    },
    # Stated totals are checked against the lines: no random extra field takes their names.
    reserved=frozenset({"total_amount", "tax_amount", "discount_amount"}),
)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_recover_of_map_is_identity_for_akinon_like_records(record: dict[str, Any]) -> None:
    invoice = assert_round_trip(record)

    lines = record.get("invoiceitem_set") or []
    totals = [Decimal(line["total_amount"]) for line in lines if line.get("total_amount")]
    assert invoice.invoiceTotal == sum(totals, Decimal(0))
    assert invoice.source is not None
    assert invoice.source.id == str(record["id"])
    assert invoice.invoiceId == akinon_invoice_id(ACCOUNT, str(record["id"]))
    assert invoice.invoiceDate.endswith("Z")


CURRENCIES = DefaultCurrencies.model_validate(
    {ACCOUNT: {"default": "TRY", "channels": {"7": "EUR"}}, "other": {"channels": {"2": "USD"}}}
)


@pytest.mark.parametrize(
    ("account", "channel", "currency"),
    [(ACCOUNT, 2, "TRY"), (ACCOUNT, 7, "EUR"), ("other", 2, "USD"), ("other", 3, None)],
)
def test_currency_defaults_per_account_and_channel_recover_the_absence(
    record: dict[str, Any], account: str, channel: int, currency: str | None
) -> None:
    record["channel"]["id"] = channel
    original = copy.deepcopy(record)
    assert "currency" not in record  # Akinon's records carry none

    invoice = map_akinon_invoice(record, account, CURRENCIES)

    assert invoice.currency == currency
    assert (invoice.attributes or {}).get(DEFAULT_CURRENCY) == currency
    assert recover_akinon_record(invoice) == original
    stored = from_document(to_document(invoice))
    assert recover_akinon_record(stored) == json_numbers(original)


@pytest.mark.parametrize("own", [None, "", "GBP"])
def test_a_record_s_own_currency_value_is_kept(record: dict[str, Any], own: str | None) -> None:
    record["currency"] = own
    original = copy.deepcopy(record)

    invoice = map_akinon_invoice(record, ACCOUNT, CURRENCIES)

    assert invoice.currency == (own or "TRY")  # a null or empty one is no currency: defaulted
    assert (DEFAULT_CURRENCY in (invoice.attributes or {})) == (not own)
    assert recover_akinon_record(invoice) == original


def test_currency_setting_refuses_what_is_not_a_currency_code() -> None:
    with pytest.raises(ValidationError):
        DefaultCurrencies.model_validate({ACCOUNT: {"default": "lira"}})
    with pytest.raises(ValidationError):
        DefaultCurrencies.model_validate({ACCOUNT: {"defualt": "TRY"}})
