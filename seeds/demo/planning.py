"""Planning the demo's sales: customers, their shipments and the returns and appeasements that
follow them, as plain values that `seeds.demo.rendering` turns into fabric's documents."""

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from seeds.demo.amounts import CENT, ZERO, prorate, to_cents
from seeds.demo.catalog import (
    APPEASEMENT_REASONS,
    ASCII,
    COLORS,
    ECO_FEE,
    EMPLOYEES,
    FEES,
    PRODUCTS,
    PROMOS,
    REGION_WEIGHTS,
    REGIONS,
    RETURN_REASONS,
    SHIP_METHODS,
    SIZES,
    City,
    Promo,
    Region,
    ShipMethod,
)
from seeds.demo.draws import UniqueIds, draw_token, fill_digits, moment_after
from store.domain.enums import InvoiceType, OrderSubType, OrderType

FIRST_SALE = datetime(2023, 1, 1, tzinfo=UTC)
# The last sale starts on 2025-10-22, so its returns, audits and settlements still fall in 2025.
SALE_WINDOW = timedelta(days=1025)
RETURN_SHARE = 0.22
APPEASEMENT_SHARE = 0.1
UNSHIPPED_APPEASEMENT_SHARE = 0.04


@dataclass(frozen=True)
class Person:
    """A customer: the same person may buy, return and complain several times."""

    region: Region
    first: str
    last: str
    email: str
    phone: str
    street: str
    unit: str | None
    city_index: int
    postal_code: str
    latitude: float
    longitude: float
    user_id: str
    account_id: str
    company: str | None

    @property
    def city(self) -> City:
        """The city of the customer's address."""
        return self.region.cities[self.city_index]


@dataclass(frozen=True)
class SaleLine:
    """One invoiced line before rendering: the amounts the formula in `seeds.demo` reconciles."""

    line_item_id: str
    number: int
    shipment_line_id: str
    item_id: str
    sku: str
    item_type: str
    created_at: datetime
    store_id: str
    quantity: int
    unit_price: Decimal
    promo: Promo | None
    discount: Decimal
    taxes: tuple[tuple[str, Decimal], ...]
    fees: tuple[tuple[str, Decimal], ...]
    attributes: dict[str, Any] | None
    reason: str | None = None
    sub_reason: str | None = None

    @property
    def tax_total(self) -> Decimal:
        """itemTaxTotal: the line's taxes of every type."""
        return sum((amount for _, amount in self.taxes), ZERO)

    @property
    def fee_total(self) -> Decimal:
        """itemFeeTotal: the line's fees of every type."""
        return sum((amount for _, amount in self.fees), ZERO)

    @property
    def total(self) -> Decimal:
        """invoiceLineTotal, by the formula in `seeds.demo`."""
        return self.quantity * self.unit_price - self.discount + self.tax_total + self.fee_total


@dataclass(frozen=True)
class SaleOrder:
    """One order of a sale, with the lines a given invoice bills of it."""

    order_id: str
    number: str
    ordered_at: datetime
    type: OrderType
    sub_type: OrderSubType | None
    lines: tuple[SaleLine, ...]
    attributes: dict[str, Any] | None

    @property
    def total(self) -> Decimal:
        """invoiceOrderTotal: the sum of the order's line totals."""
        return sum((line.total for line in self.lines), ZERO)


@dataclass(frozen=True)
class Sale:
    """What a shipping invoice and its returns and appeasements have in common."""

    person: Person
    channel: str
    ship_method: ShipMethod
    carrier: str
    tracking_number: str
    alternate_pickup: tuple[str, str] | None
    instructions: str | None
    ship_to_id: str
    bill_to_id: str
    employee_id: str | None
    cashier_id: str | None
    shipment_id: str
    shipment_number: str
    shipped_at: datetime
    invoiced_at: datetime
    orders: tuple[SaleOrder, ...]

    @property
    def location_num(self) -> int:
        """The store in the customer's city, which fulfilled the sale."""
        return self.person.region.location_base + self.person.city_index


@dataclass(frozen=True)
class PlannedInvoice:
    """An invoice decided but not yet rendered: its date, type, sale and the lines it bills."""

    invoice_date: datetime
    type: InvoiceType
    sale: Sale
    orders: tuple[SaleOrder, ...]


def plan_invoices(rng: random.Random, ids: UniqueIds, count: int) -> list[PlannedInvoice]:
    """Plan `count` invoices in date order: shipments, some followed by a return or appeasement."""
    people = [_person(rng, ids) for _ in range(max(20, count // 4))]
    planned: list[PlannedInvoice] = []
    while len(planned) < count:
        sale = _sale(rng, ids, rng.choice(people))
        # The first sale gets every follow-up, so each invoice type occurs in small sets too.
        first = not planned
        if not first and rng.random() < UNSHIPPED_APPEASEMENT_SHARE:
            planned.append(_follow_up(rng, sale, InvoiceType.APPEASEMENT))
            continue
        planned.append(PlannedInvoice(sale.invoiced_at, InvoiceType.SHIPPING, sale, sale.orders))
        if first or rng.random() < RETURN_SHARE:
            planned.append(_follow_up(rng, sale, InvoiceType.RETURN))
        if first or rng.random() < APPEASEMENT_SHARE:
            planned.append(_follow_up(rng, sale, InvoiceType.APPEASEMENT))
    return sorted(planned[:count], key=lambda invoice: invoice.invoice_date)


def _person(rng: random.Random, ids: UniqueIds) -> Person:
    """A customer with a name, contact details and an address in one region."""
    region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
    first, last = rng.choice(region.first_names), rng.choice(region.last_names)
    city_index = rng.randrange(len(region.cities))
    city = region.cities[city_index]
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
    local_part = f"{first}.{last}".translate(ASCII).lower() + suffix
    signed_up = FIRST_SALE - timedelta(days=rng.randint(1, 900))
    return Person(
        region=region,
        first=first,
        last=last,
        email=f"{local_part}@{rng.choice(region.email_domains)}",
        phone=fill_digits(rng, region.phone),
        street=region.street_format.format(
            number=rng.randint(1, 250), street=rng.choice(region.streets)
        ),
        unit=region.unit_format.format(number=rng.randint(1, 40)) if rng.random() < 0.3 else None,
        city_index=city_index,
        postal_code=fill_digits(rng, city.postal_code),
        latitude=round(city.latitude + rng.uniform(-0.05, 0.05), 6),
        longitude=round(city.longitude + rng.uniform(-0.05, 0.05), 6),
        user_id=ids.object_id(signed_up),
        account_id=ids.object_id(signed_up),
        company=f"{last} {rng.choice(('Trading', 'Studio', 'Partners'))}"
        if rng.random() < 0.08
        else None,
    )


def _sale(rng: random.Random, ids: UniqueIds, person: Person) -> Sale:
    """A shipment of one to three orders, with one to twelve lines between them."""
    ordered_at = FIRST_SALE + timedelta(seconds=rng.randrange(int(SALE_WINDOW.total_seconds())))
    ship_method = rng.choices(SHIP_METHODS, (55, 25, 8, 12))[0]
    orders = _sale_orders(rng, ids, person, ordered_at, ship_method)
    shipped_at = moment_after(rng, orders[-1].ordered_at, (0, 4))
    pos = any(order.type is OrderType.POS for order in orders)
    alternate = rng.random() < 0.15
    return Sale(
        person=person,
        channel=rng.choice(person.region.channels),
        ship_method=ship_method,
        carrier=rng.choice(person.region.carriers),
        tracking_number=draw_token(rng, "", 18).upper(),
        alternate_pickup=(
            (rng.choice(person.region.first_names), person.last) if alternate else None
        ),
        instructions=rng.choice(("Leave at the front door", "Ring twice", None, None)),
        ship_to_id=ids.object_id(ordered_at),
        bill_to_id=ids.object_id(ordered_at),
        employee_id=(
            rng.choice(EMPLOYEES) if any(o.type is OrderType.CSC for o in orders) else None
        ),
        cashier_id=fill_digits(rng, "C####") if pos else None,
        shipment_id=ids.object_id(shipped_at),
        shipment_number=ids.number(9),
        shipped_at=shipped_at,
        invoiced_at=shipped_at + timedelta(seconds=rng.randint(30, 7200)),
        orders=orders,
    )


def _sale_orders(
    rng: random.Random,
    ids: UniqueIds,
    person: Person,
    ordered_at: datetime,
    ship_method: ShipMethod,
) -> tuple[SaleOrder, ...]:
    """The orders of one shipment, each with at least one line."""
    order_count = rng.choices((1, 2, 3), (75, 18, 7))[0]
    line_count = rng.choices(range(1, 13), (30, 22, 14, 10, 7, 5, 4, 3, 2, 1, 1, 1))[0]
    sizes = [1] * order_count
    for _ in range(max(0, line_count - order_count)):
        sizes[rng.randrange(order_count)] += 1
    orders = []
    for position, size in enumerate(sizes):
        # The orders of a consolidated shipment were placed a few days apart.
        placed = ordered_at + timedelta(days=2 * position, minutes=7 * position)
        order_type = rng.choices(tuple(OrderType), (55, 15, 20, 10))[0]
        item_type = _item_type(order_type, ship_method)
        lines = tuple(
            _sale_line(rng, ids, person.region, number, placed, item_type)
            for number in range(1, size + 1)
        )
        orders.append(
            SaleOrder(
                order_id=ids.object_id(placed),
                number=ids.number(9),
                ordered_at=placed,
                type=order_type,
                sub_type=_order_sub_type(rng, order_type, person.region),
                lines=lines,
                attributes={"loyaltyTier": rng.choice(("silver", "gold"))}
                if rng.random() < 0.2
                else None,
            )
        )
    return tuple(orders)


def _item_type(order_type: OrderType, ship_method: ShipMethod) -> str:
    """fabric's line type: sold in a store, shipped, or picked up."""
    if order_type is OrderType.POS:
        return "POS_SALE"
    return "WEB_PICKUP" if ship_method.ship_to_type == "BOPIS" else "WEB_SHIP"


def _order_sub_type(
    rng: random.Random, order_type: OrderType, region: Region
) -> OrderSubType | None:
    """The app's platform for app orders; International for online orders outside the US."""
    if order_type is OrderType.MOBILE_APP:
        return rng.choice((OrderSubType.IOS, OrderSubType.Android))
    if order_type is not OrderType.POS and region.code != "US":
        return OrderSubType.International
    return None


def _sale_line(
    rng: random.Random,
    ids: UniqueIds,
    region: Region,
    number: int,
    ordered_at: datetime,
    item_type: str,
) -> SaleLine:
    """A line of a product variant, priced in the region's currency, discount, tax and fees."""
    product_index = rng.randrange(len(PRODUCTS))
    product = PRODUCTS[product_index]
    color_index = rng.randrange(len(COLORS))
    size = rng.choice(SIZES) if product.sized else None
    color_code, color = COLORS[color_index]
    quantity = rng.choices((1, 2, 3, 4, 6), (70, 16, 7, 5, 2))[0]
    unit_price = max(
        Decimal("0.99"), (product.usd_price * region.price_factor).quantize(Decimal("1")) - CENT
    )
    promo = rng.choice(PROMOS) if rng.random() < 0.3 else None
    gross = quantity * unit_price
    discount = to_cents(gross * promo.percent / 100) if promo else ZERO
    attributes: dict[str, Any] = {"title": product.title, "color": color}
    if size:
        attributes["size"] = size
    return SaleLine(
        line_item_id=ids.uuid(),
        number=number,
        shipment_line_id=ids.uuid(),
        item_id=str(400_000 + product_index * 100 + color_index * 10 + SIZES.index(size or "XS")),
        sku="-".join(filter(None, (product.stem, color_code, size))),
        item_type=item_type,
        created_at=ordered_at,
        store_id=str(region.location_base + rng.randrange(len(region.cities))),
        quantity=quantity,
        unit_price=unit_price,
        promo=promo,
        discount=discount,
        taxes=tuple((kind, to_cents((gross - discount) * rate)) for kind, rate in region.taxes),
        fees=_line_fees(rng, region, quantity),
        attributes=attributes if rng.random() < 0.5 else None,
    )


def _line_fees(
    rng: random.Random, region: Region, quantity: int
) -> tuple[tuple[str, Decimal], ...]:
    """Shipping and gift wrap on some lines; an eco fee on most European ones."""
    fees = [fee for fee in FEES if rng.random() < 0.15]
    if region.currency == "EUR" and rng.random() < 0.7:
        fees.append(ECO_FEE)
    return tuple(
        (kind, to_cents(usd * region.price_factor * (quantity if per_unit else 1)))
        for kind, usd, per_unit in fees
    )


def _follow_up(rng: random.Random, sale: Sale, invoice_type: InvoiceType) -> PlannedInvoice:
    """A return or an appeasement of up to three of the sale's lines, on the same orders."""
    lines = [(index, line) for index, order in enumerate(sale.orders) for line in order.lines]
    picked = sorted(rng.sample(range(len(lines)), rng.randint(1, min(3, len(lines)))))
    derive = _returned_line if invoice_type is InvoiceType.RETURN else _appeased_line
    by_order: dict[int, list[SaleLine]] = {}
    for position in picked:
        order_index, line = lines[position]
        by_order.setdefault(order_index, []).append(derive(rng, line))
    orders = tuple(replace(sale.orders[i], lines=tuple(derived)) for i, derived in by_order.items())
    days = (3, 40) if invoice_type is InvoiceType.RETURN else (1, 30)
    return PlannedInvoice(moment_after(rng, sale.invoiced_at, days), invoice_type, sale, orders)


def _returned_line(rng: random.Random, line: SaleLine) -> SaleLine:
    """Some units of a shipped line coming back: discount and tax pro rata, fees not refunded."""
    quantity = rng.randint(1, line.quantity)
    return replace(
        line,
        item_type="RETURN",
        quantity=quantity,
        discount=prorate(line.discount, quantity, line.quantity),
        taxes=tuple((kind, prorate(tax, quantity, line.quantity)) for kind, tax in line.taxes),
        fees=(),
        reason=rng.choice(RETURN_REASONS),
    )


def _appeased_line(rng: random.Random, line: SaleLine) -> SaleLine:
    """A goodwill credit of a share of the unit price on some units of a shipped line."""
    quantity = rng.randint(1, line.quantity)
    reason, sub_reason = rng.choice(APPEASEMENT_REASONS)
    return replace(
        line,
        item_type="APPEASEMENT",
        quantity=quantity,
        unit_price=to_cents(line.unit_price * rng.choice((10, 15, 20, 25, 50)) / 100),
        promo=None,
        discount=ZERO,
        taxes=(),
        fees=(),
        reason=reason,
        sub_reason=sub_reason,
    )
