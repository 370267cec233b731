"""Deterministic demo invoices in fabric's shape, for a store that starts empty.

The same seed gives the same invoices: every choice comes from one `random.Random(seed)`,
never from the global generator or the clock. Money is exact (Decimal, two places) and
reconciles on every invoice:

    invoiceLineTotal  = invoiceQuantity * itemUnitPrice - itemDiscountsTotal
                        + itemTaxTotal + itemFeeTotal
    invoiceOrderTotal = sum of the order's items' invoiceLineTotal
    invoiceTotal      = sum of the orders' invoiceOrderTotal
    totalTaxAmount    = sum of the items' itemTaxTotal

The payments of an order add up to its invoiceOrderTotal. Returns and most appeasements
bill orders that a shipping invoice of the same account shipped.
"""

import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any, TypeVar

from seeds.demo_catalog import (
    APPEASEMENT_REASONS,
    ASCII,
    AUDITS,
    COLORS,
    ECO_FEE,
    EMPLOYEES,
    FEES,
    PAYMENT_STATUSES,
    PRODUCTS,
    PROMOS,
    REGION_WEIGHTS,
    REGIONS,
    RETURN_REASONS,
    SETTLEMENT_CODES,
    SHIP_METHODS,
    SIZES,
    STATUS_CODE_WEIGHTS,
    STATUS_WEIGHTS,
    TOKEN_CHARACTERS,
    City,
    Promo,
    Region,
    ShipMethod,
)
from store.domain.documents import (
    Appeasement,
    AppeasementPayment,
    AuditLog,
    Contact,
    Customer,
    Discount,
    Fee,
    Invoice,
    InvoiceAddress,
    InvoiceItem,
    InvoiceLocation,
    InvoiceOrder,
    InvoicePayment,
    InvoiceSource,
    ItemReturn,
    PaymentIdentifier,
    PaymentToken,
    PersonName,
    Phone,
    Pickup,
    Retail,
    Settlement,
    ShipInfo,
    ShipToAddress,
    TaxDetail,
    UpdatedField,
)
from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
    StatusCode,
)

T = TypeVar("T")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_SALE = datetime(2023, 1, 1, tzinfo=UTC)
# The last sale starts on 2025-10-22, so its returns, audits and settlements still fall in 2025.
SALE_WINDOW = timedelta(days=1025)
RETURN_SHARE = 0.22
APPEASEMENT_SHARE = 0.1
UNSHIPPED_APPEASEMENT_SHARE = 0.04
INVOICE_NUMBER_BASE = 23_940_000


@dataclass(frozen=True)
class _Person:
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
class _Line:
    """One invoiced line before rendering: the amounts the module's formula reconciles."""

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
        """invoiceLineTotal, by the module's formula."""
        return self.quantity * self.unit_price - self.discount + self.tax_total + self.fee_total


@dataclass(frozen=True)
class _SaleOrder:
    """One order of a sale, with the lines a given invoice bills of it."""

    order_id: str
    number: str
    ordered_at: datetime
    type: OrderType
    sub_type: OrderSubType | None
    lines: tuple[_Line, ...]
    attributes: dict[str, Any] | None

    @property
    def total(self) -> Decimal:
        """invoiceOrderTotal: the sum of the order's line totals."""
        return sum((line.total for line in self.lines), ZERO)


@dataclass(frozen=True)
class _Sale:
    """What a shipping invoice and its returns and appeasements have in common."""

    person: _Person
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
    orders: tuple[_SaleOrder, ...]

    @property
    def location_num(self) -> int:
        """The store in the customer's city, which fulfilled the sale."""
        return self.person.region.location_base + self.person.city_index


@dataclass(frozen=True)
class _Plan:
    """One invoice to render: its date, its type and the order lines it bills."""

    when: datetime
    type: InvoiceType
    sale: _Sale
    orders: tuple[_SaleOrder, ...]


class _Ids:
    """Identifiers drawn from the seeded generator, each issued at most once."""

    def __init__(self, rng: random.Random) -> None:
        """Draw from `rng`, the generator everything else draws from too."""
        self._rng = rng
        self._issued: set[str] = set()

    def _unique(self, draw: Callable[[], str]) -> str:
        """Draw until the value is new: rare, but a repeated id would break lookups."""
        value = draw()
        while value in self._issued:
            value = draw()
        self._issued.add(value)
        return value

    def object_id(self, when: datetime) -> str:
        """A MongoDB ObjectId's shape: the creation second, then eight random bytes."""
        seconds = int(when.timestamp())
        return self._unique(lambda: f"{seconds:08x}{self._rng.getrandbits(64):016x}")

    def uuid(self) -> str:
        """A random (version 4) UUID, as line item ids are."""
        return self._unique(lambda: str(uuid.UUID(int=self._rng.getrandbits(128), version=4)))

    def number(self, digits: int) -> str:
        """A number of `digits` digits, as order and shipment numbers are."""
        return self._unique(lambda: str(self._rng.randrange(10 ** (digits - 1), 10**digits)))


def generate_demo_invoices(
    accounts: Sequence[str] = ("demo", "acme"), per_account: int = 600, seed: int = 20221
) -> list[Invoice]:
    """Build `per_account` invoices for each account; the same seed gives the same invoices."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    invoices: list[Invoice] = []
    for account in accounts:
        plans = _plan_account(rng, ids, per_account)
        invoices.extend(_render_account(rng, ids, account, plans))
    return invoices


def _plan_account(rng: random.Random, ids: _Ids, count: int) -> list[_Plan]:
    """Plan `count` invoices in date order: shipments, some followed by a return or appeasement."""
    people = [_person(rng, ids) for _ in range(max(20, count // 4))]
    plans: list[_Plan] = []
    while len(plans) < count:
        sale = _sale(rng, ids, rng.choice(people))
        # The first sale gets every follow-up, so each invoice type occurs in small sets too.
        first = not plans
        if not first and rng.random() < UNSHIPPED_APPEASEMENT_SHARE:
            plans.append(_follow_up(rng, sale, InvoiceType.APPEASEMENT))
            continue
        plans.append(_Plan(sale.invoiced_at, InvoiceType.SHIPPING, sale, sale.orders))
        if first or rng.random() < RETURN_SHARE:
            plans.append(_follow_up(rng, sale, InvoiceType.RETURN))
        if first or rng.random() < APPEASEMENT_SHARE:
            plans.append(_follow_up(rng, sale, InvoiceType.APPEASEMENT))
    return sorted(plans[:count], key=lambda plan: plan.when)


def _render_account(
    rng: random.Random, ids: _Ids, account: str, plans: Sequence[_Plan]
) -> list[Invoice]:
    """Render the planned invoices, numbered in date order."""
    number = INVOICE_NUMBER_BASE + rng.randrange(10_000)
    invoices = []
    for index, plan in enumerate(plans):
        number += rng.randint(1, 9)
        status = _status(rng, index, plan.type)
        code = _status_code(rng, index, status)
        invoices.append(_invoice(rng, ids, account, str(number), plan, status, code))
    return invoices


def _status(rng: random.Random, index: int, invoice_type: InvoiceType) -> InvoiceStatus:
    """A likely status for the type; an account's first invoices take each status in turn."""
    statuses = tuple(InvoiceStatus)
    if index < len(statuses):
        return statuses[index]
    return _weighted(rng, STATUS_WEIGHTS[invoice_type])


def _status_code(rng: random.Random, index: int, status: InvoiceStatus) -> StatusCode:
    """Where the invoice is in fabric's CREATED -> POSTED -> ACKNOWLEDGED flow."""
    if status is InvoiceStatus.DRAFT:
        return StatusCode.CREATED  # a draft is never sent on to the merchant
    codes = tuple(StatusCode)
    if index < len(codes):
        return codes[index]
    return _weighted(rng, STATUS_CODE_WEIGHTS)


def _weighted(rng: random.Random, weights: Mapping[T, int]) -> T:
    """One of the keys, drawn in proportion to its weight."""
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def _fill(rng: random.Random, pattern: str) -> str:
    """The pattern with each '#' replaced by a random digit."""
    count = pattern.count("#")
    digits = iter(f"{rng.randrange(10**count):0{count}d}")
    return "".join(next(digits) if char == "#" else char for char in pattern)


def _token(rng: random.Random, prefix: str, length: int = 14) -> str:
    """A payment provider's opaque token, such as 'pi_3MtwBwLkdIwHu7'."""
    return prefix + "".join(rng.choices(TOKEN_CHARACTERS, k=length))


def _money(amount: Decimal) -> Decimal:
    """The amount rounded half up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _prorate(amount: Decimal, part: int, whole: int) -> Decimal:
    """The share of `amount` that `part` of `whole` units carry, to the cent."""
    return _money(amount * part / whole)


def _split(rng: random.Random, total: Decimal, count: int) -> list[Decimal]:
    """At most `count` amounts of at least a cent each, adding up exactly to `total`."""
    cents = int(total / CENT)
    if cents < count:
        return [total]
    cuts = sorted(rng.sample(range(1, cents), count - 1))
    return [(high - low) * CENT for low, high in pairwise([0, *cuts, cents])]


def _between(rng: random.Random, start: datetime, days: tuple[int, int]) -> datetime:
    """A random moment some whole days plus a random part of a day after `start`."""
    return start + timedelta(days=rng.randint(*days), seconds=rng.randrange(86_400))


def _person(rng: random.Random, ids: _Ids) -> _Person:
    """A customer with a name, contact details and an address in one region."""
    region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
    first, last = rng.choice(region.first_names), rng.choice(region.last_names)
    city_index = rng.randrange(len(region.cities))
    city = region.cities[city_index]
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
    local_part = f"{first}.{last}".translate(ASCII).lower() + suffix
    signed_up = FIRST_SALE - timedelta(days=rng.randint(1, 900))
    return _Person(
        region=region,
        first=first,
        last=last,
        email=f"{local_part}@{rng.choice(region.email_domains)}",
        phone=_fill(rng, region.phone),
        street=region.street_format.format(
            number=rng.randint(1, 250), street=rng.choice(region.streets)
        ),
        unit=region.unit_format.format(number=rng.randint(1, 40)) if rng.random() < 0.3 else None,
        city_index=city_index,
        postal_code=_fill(rng, city.postal_code),
        latitude=round(city.latitude + rng.uniform(-0.05, 0.05), 6),
        longitude=round(city.longitude + rng.uniform(-0.05, 0.05), 6),
        user_id=ids.object_id(signed_up),
        account_id=ids.object_id(signed_up),
        company=f"{last} {rng.choice(('Trading', 'Studio', 'Partners'))}"
        if rng.random() < 0.08
        else None,
    )


def _sale(rng: random.Random, ids: _Ids, person: _Person) -> _Sale:
    """A shipment of one to three orders, with one to twelve lines between them."""
    ordered_at = FIRST_SALE + timedelta(seconds=rng.randrange(int(SALE_WINDOW.total_seconds())))
    ship_method = rng.choices(SHIP_METHODS, (55, 25, 8, 12))[0]
    orders = _sale_orders(rng, ids, person, ordered_at, ship_method)
    shipped_at = _between(rng, orders[-1].ordered_at, (0, 4))
    pos = any(order.type is OrderType.POS for order in orders)
    alternate = rng.random() < 0.15
    return _Sale(
        person=person,
        channel=rng.choice(person.region.channels),
        ship_method=ship_method,
        carrier=rng.choice(person.region.carriers),
        tracking_number=_token(rng, "", 18).upper(),
        alternate_pickup=(
            (rng.choice(person.region.first_names), person.last) if alternate else None
        ),
        instructions=rng.choice(("Leave at the front door", "Ring twice", None, None)),
        ship_to_id=ids.object_id(ordered_at),
        bill_to_id=ids.object_id(ordered_at),
        employee_id=(
            rng.choice(EMPLOYEES) if any(o.type is OrderType.CSC for o in orders) else None
        ),
        cashier_id=_fill(rng, "C####") if pos else None,
        shipment_id=ids.object_id(shipped_at),
        shipment_number=ids.number(9),
        shipped_at=shipped_at,
        invoiced_at=shipped_at + timedelta(seconds=rng.randint(30, 7200)),
        orders=orders,
    )


def _sale_orders(
    rng: random.Random, ids: _Ids, person: _Person, ordered_at: datetime, ship_method: ShipMethod
) -> tuple[_SaleOrder, ...]:
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
            _SaleOrder(
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
    ids: _Ids,
    region: Region,
    number: int,
    ordered_at: datetime,
    item_type: str,
) -> _Line:
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
    discount = _money(gross * promo.percent / 100) if promo else ZERO
    attributes: dict[str, Any] = {"title": product.title, "color": color}
    if size:
        attributes["size"] = size
    return _Line(
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
        taxes=tuple((kind, _money((gross - discount) * rate)) for kind, rate in region.taxes),
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
        (kind, _money(usd * region.price_factor * (quantity if per_unit else 1)))
        for kind, usd, per_unit in fees
    )


def _follow_up(rng: random.Random, sale: _Sale, invoice_type: InvoiceType) -> _Plan:
    """A return or an appeasement of up to three of the sale's lines, on the same orders."""
    lines = [(index, line) for index, order in enumerate(sale.orders) for line in order.lines]
    picked = sorted(rng.sample(range(len(lines)), rng.randint(1, min(3, len(lines)))))
    derive = _returned_line if invoice_type is InvoiceType.RETURN else _appeased_line
    by_order: dict[int, list[_Line]] = {}
    for position in picked:
        order_index, line = lines[position]
        by_order.setdefault(order_index, []).append(derive(rng, line))
    orders = tuple(replace(sale.orders[i], lines=tuple(derived)) for i, derived in by_order.items())
    days = (3, 40) if invoice_type is InvoiceType.RETURN else (1, 30)
    return _Plan(_between(rng, sale.invoiced_at, days), invoice_type, sale, orders)


def _returned_line(rng: random.Random, line: _Line) -> _Line:
    """Some units of a shipped line coming back: discount and tax pro rata, fees not refunded."""
    quantity = rng.randint(1, line.quantity)
    return replace(
        line,
        item_type="RETURN",
        quantity=quantity,
        discount=_prorate(line.discount, quantity, line.quantity),
        taxes=tuple((kind, _prorate(tax, quantity, line.quantity)) for kind, tax in line.taxes),
        fees=(),
        reason=rng.choice(RETURN_REASONS),
    )


def _appeased_line(rng: random.Random, line: _Line) -> _Line:
    """A goodwill credit of a share of the unit price on some units of a shipped line."""
    quantity = rng.randint(1, line.quantity)
    reason, sub_reason = rng.choice(APPEASEMENT_REASONS)
    return replace(
        line,
        item_type="APPEASEMENT",
        quantity=quantity,
        unit_price=_money(line.unit_price * rng.choice((10, 15, 20, 25, 50)) / 100),
        promo=None,
        discount=ZERO,
        taxes=(),
        fees=(),
        reason=reason,
        sub_reason=sub_reason,
    )


def _invoice(
    rng: random.Random,
    ids: _Ids,
    account: str,
    number: str,
    plan: _Plan,
    status: InvoiceStatus,
    code: StatusCode,
) -> Invoice:
    """Render one planned invoice with its payments, audit trail and status dates."""
    sale, region = plan.sale, plan.sale.person.region
    created = plan.when + timedelta(seconds=rng.randint(1, 600))
    posted = (
        created + timedelta(minutes=rng.randint(1, 240)) if code != StatusCode.CREATED else None
    )
    acknowledged = (
        posted + timedelta(minutes=rng.randint(5, 2880))
        if posted and code is StatusCode.ACKNOWLEDGED
        else None
    )
    audit_logs = _audit_logs(rng, ids, plan, created)
    changes = [created, posted, acknowledged, *(log_at for log_at, _ in audit_logs)]
    invoice_id = ids.object_id(created)
    shipping = plan.type is InvoiceType.SHIPPING
    orders = [_invoice_order(rng, plan, order, status) for order in plan.orders]
    lines = [line for order in plan.orders for line in order.lines]
    return Invoice(
        invoiceId=invoice_id,
        invoiceNumber=number,
        invoiceStatus=status,
        invoiceType=plan.type,
        invoiceDate=plan.when,
        shipmentId=sale.shipment_id if shipping else None,
        shipmentNumber=sale.shipment_number if shipping else None,
        shippedOn=sale.shipped_at if shipping else None,
        orders=orders,
        locationNum=sale.location_num,
        location=_location(sale.person.region, sale.person.city_index),
        retail=Retail(locationNum=sale.location_num, cashierId=sale.cashier_id)
        if sale.cashier_id
        else None,
        createdAt=created,
        updatedAt=max(moment for moment in changes if moment),
        postedAt=posted,
        acknowledgedAt=acknowledged,
        statusCode=code,
        channelId=sale.channel,
        invoiceTotal=sum((order.total for order in plan.orders), ZERO),
        totalTaxAmount=sum((line.tax_total for line in lines), ZERO),
        currency=region.currency,
        customer=_customer(sale),
        auditLogs=[log for _, log in audit_logs] or None,
        shipInfo=_ship_info(sale),
        attributes={"erpExported": code is not StatusCode.CREATED, "giftOrder": rng.random() < 0.2}
        if rng.random() < 0.3
        else None,
        account=account,
        version=1 + len(audit_logs),
        source=InvoiceSource(system="demo", id=invoice_id),
    )


def _invoice_order(
    rng: random.Random, plan: _Plan, order: _SaleOrder, status: InvoiceStatus
) -> InvoiceOrder:
    """An order's share of the invoice: its items, payments and order-level totals by type."""
    total, lines = order.total, order.lines
    payments = _payments(rng, plan, order, status)
    appeasements = None
    if plan.type is InvoiceType.APPEASEMENT:
        refunds = [
            (payment.paymentCounter or 1, payment.authAmount or ZERO) for payment in payments
        ]
        first = lines[0]
        appeasements = [_appeasement(first.reason, first.sub_reason, total, refunds)]
    return InvoiceOrder(
        orderId=order.order_id,
        orderNumber=order.number,
        orderDate=order.ordered_at,
        orderType=order.type,
        orderSubType=order.sub_type,
        invoiceOrderTotal=total,
        items=[_item(line, order, plan) for line in lines],
        payments=payments,
        fees=[
            Fee(type=kind, value=value)
            for kind, value in _totals_by_type(fee for line in lines for fee in line.fees)
        ]
        or None,
        appeasements=appeasements,
        discounts=_order_discounts(lines),
        taxDetail=[
            TaxDetail(type=kind, value=value)
            for kind, value in _totals_by_type(tax for line in lines for tax in line.taxes)
        ]
        or None,
        attributes=order.attributes,
    )


def _totals_by_type(amounts: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """(type, amount) pairs summed per type, in first-seen order."""
    totals: dict[str, Decimal] = {}
    for kind, amount in amounts:
        totals[kind] = totals.get(kind, ZERO) + amount
    return list(totals.items())


def _order_discounts(lines: Sequence[_Line]) -> list[Discount] | None:
    """The order's promotions with their units and values summed over its lines."""
    by_promo: dict[str, tuple[Promo, int, Decimal]] = {}
    for line in lines:
        if line.promo:
            _, quantity, value = by_promo.get(line.promo.id, (line.promo, 0, ZERO))
            by_promo[line.promo.id] = (line.promo, quantity + line.quantity, value + line.discount)
    discounts = [_discount(promo, quantity, value) for promo, quantity, value in by_promo.values()]
    return discounts or None


def _discount(promo: Promo, quantity: int, value: Decimal) -> Discount:
    """A promotion's discount on `quantity` units."""
    return Discount(
        quantity=quantity,
        value=value,
        promoId=promo.id,
        promoCode=promo.code,
        promoTitle=promo.title,
        type=promo.type,
    )


def _appeasement(
    reason: str | None,
    sub_reason: str | None,
    value: Decimal,
    refunds: Sequence[tuple[int, Decimal]],
) -> Appeasement:
    """A goodwill credit of `value`, refunded as (payment counter, amount) pairs."""
    return Appeasement(
        appeasementCounter=1,
        reasonCode=reason,
        subReasonCode=sub_reason,
        value=value,
        invoiceValue=value,
        payments=[
            AppeasementPayment(paymentCounter=counter, refundAmount=amount)
            for counter, amount in refunds
        ],
    )


def _item(line: _Line, order: _SaleOrder, plan: _Plan) -> InvoiceItem:
    """Render a line as fabric's invoice item."""
    total = line.total
    appeased = plan.type is InvoiceType.APPEASEMENT
    returned = plan.type is InvoiceType.RETURN
    return InvoiceItem(
        lineItemId=line.line_item_id,
        lineItemNumber=line.number,
        shipmentLineItemId=line.shipment_line_id,
        itemId=line.item_id,
        orderId=order.order_id,
        type=line.item_type,
        sku=line.sku,
        invoiceQuantity=line.quantity,
        itemUnitPrice=line.unit_price,
        invoiceLineTotal=total,
        itemDiscountsTotal=line.discount,
        itemTaxTotal=line.tax_total,
        itemFeeTotal=line.fee_total,
        itemAppeasementTotal=total if appeased else ZERO,
        lineItemCreatedAt=line.created_at,
        locationStoreId=line.store_id,
        returnExpiryDays="30",
        currency=plan.sale.person.region.currency,
        fees=[Fee(type=kind, value=value) for kind, value in line.fees] or None,
        taxDetail=[TaxDetail(type=kind, value=value) for kind, value in line.taxes] or None,
        appeasements=[_appeasement(line.reason, line.sub_reason, total, [(1, total)])]
        if appeased
        else None,
        discount=[_discount(line.promo, line.quantity, line.discount)] if line.promo else None,
        shipToId=plan.sale.ship_to_id,
        returns=[
            ItemReturn(
                shipmentLineItemId=line.shipment_line_id,
                shipmentQuantity=line.quantity,
                refundAmount=total,
                reasonCode=line.reason,
                invoiceDate=plan.when,
            )
        ]
        if returned
        else None,
        attributes=line.attributes,
        uom="EA",
    )


def _payments(
    rng: random.Random, plan: _Plan, order: _SaleOrder, status: InvoiceStatus
) -> list[InvoicePayment]:
    """One to three payments that add up exactly to the order's total."""
    # A shipment captures what was authorized with the order; a credit is paid on the invoice date.
    paid_at = order.ordered_at if plan.type is InvoiceType.SHIPPING else plan.when
    amounts = _split(rng, order.total, rng.choices((1, 2, 3), (55, 35, 10))[0])
    return [
        _payment(rng, plan, counter, amount, status, paid_at)
        for counter, amount in enumerate(amounts, 1)
    ]


def _payment(
    rng: random.Random,
    plan: _Plan,
    counter: int,
    amount: Decimal,
    status: InvoiceStatus,
    paid_at: datetime,
) -> InvoicePayment:
    """A captured charge for a shipment, a refund for a return or an appeasement."""
    sale, region = plan.sale, plan.sale.person.region
    method = rng.choice(region.payment_methods)
    return InvoicePayment(
        paymentCounter=counter,
        paymentDate=paid_at,
        billToId=sale.bill_to_id,
        paymentIdentifier=PaymentIdentifier(cardIdentifier=_fill(rng, "************####")),
        paymentProvider=method.provider,
        paymentToken=PaymentToken(token=_token(rng, method.token_prefix), paymentType=method.type),
        paymentMethod=method.method,
        paymentType=method.type,
        currency=region.currency,
        conversion=Decimal("1"),
        paymentStatus=PAYMENT_STATUSES[status],
        attributes={"avsResult": rng.choice("YAZ"), "cvvResult": "M"}
        if rng.random() < 0.3
        else None,
        billToAddress=_address(sale.person, "BILLING"),
        settlement=_settlement(rng, amount, status, plan.when),
        authAmount=amount,
    )


def _settlement(
    rng: random.Random, amount: Decimal, status: InvoiceStatus, invoiced_at: datetime
) -> Settlement | None:
    """The settlement of a payment, once the invoice's status says one was attempted."""
    code = SETTLEMENT_CODES.get(status)
    if code is None:
        return None
    settled = amount
    if code is SettlementStatusCode.PARTIAL_SETTLED:
        settled = _prorate(amount, rng.randint(30, 90), 100)
    elif code is SettlementStatusCode.SETTLEMENT_FAILED:
        settled = ZERO
    settled_at = _between(rng, invoiced_at, (1, 3))
    return Settlement(
        settlementDate=settled_at,
        settlementStatusCode=code,
        settlementAmount=settled,
        attributes={"batchId": f"STL-{settled_at:%Y%m%d}-{rng.randint(1, 24):02d}"}
        if rng.random() < 0.3
        else None,
    )


def _audit_logs(
    rng: random.Random, ids: _Ids, plan: _Plan, created: datetime
) -> list[tuple[datetime, AuditLog]]:
    """Zero to three changes made after the invoice was created, oldest first."""
    lines = [line for order in plan.orders for line in order.lines]
    logs = []
    at = created
    for _ in range(rng.choices((0, 1, 2, 3), (45, 30, 15, 10))[0]):
        at += timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        logs.append((at, _audit_log(rng, ids, rng.choice(lines), at)))
    return logs


def _audit_log(rng: random.Random, ids: _Ids, line: _Line, at: datetime) -> AuditLog:
    """A support agent's change to one line, with the value it replaced."""
    audit_type, field_name, earlier = rng.choice(AUDITS)
    payment = audit_type == "PAYMENT_UPDATE"
    return AuditLog(
        lineItemId=line.line_item_id,
        auditId=ids.object_id(at),
        auditType=audit_type,
        employeeId=rng.choice(EMPLOYEES),
        auditTimestamp=at,
        source=rng.choice(("CSC", "POS", "OMS")),
        reasonCode="CUSTOMER_REQUEST" if audit_type == "ADDRESS_UPDATE" else "OPERATIONS",
        note=f"{audit_type.replace('_', ' ').capitalize()} by support",
        lineItemNumber=line.number,
        sku=line.sku,
        quantity=line.quantity,
        amount=line.total,
        paymentToken=PaymentToken(token=_token(rng, "pi_"), paymentType="VISA")
        if payment
        else None,
        success=rng.random() < 0.95,
        paymentResponse={"code": "200", "message": "Approved"} if payment else None,
        updatedFields=[UpdatedField(fieldName=field_name, fieldOriginalValue=rng.choice(earlier))],
        attributes={"ticket": _fill(rng, "CS-#####")} if rng.random() < 0.3 else None,
    )


def _name(person: _Person) -> PersonName:
    """The person's name as fabric's name object."""
    return PersonName(first=person.first, last=person.last)


def _phone(person: _Person) -> Phone:
    """The person's mobile number."""
    return Phone(number=person.phone, type="MOBILE")


def _address(person: _Person, kind: str) -> InvoiceAddress:
    """The person's address, with the person as its contact."""
    city = person.city
    return InvoiceAddress(
        addressLine1=person.street,
        addressLine2=person.unit,
        city=city.name,
        state=city.state,
        country=person.region.country,
        postalCode=person.postal_code,
        type=kind,
        contact=[
            Contact(type=kind, email=person.email, phone=[_phone(person)], name=_name(person))
        ],
    )


def _customer(sale: _Sale) -> Customer:
    """The buyer, and the agent who took the order when it came through customer service."""
    person = sale.person
    return Customer(
        name=_name(person),
        email=person.email,
        phone=_phone(person),
        userId=person.user_id,
        accountId=person.account_id,
        employeeId=sale.employee_id,
        company=person.company,
        address=_address(person, "BILLING"),
    )


def _location(region: Region, city_index: int) -> InvoiceLocation:
    """The store that fulfils orders in the customer's city; its address never changes."""
    city = region.cities[city_index]
    return InvoiceLocation(
        locationNum=region.location_base + city_index,
        address=InvoiceAddress(
            addressLine1=region.street_format.format(
                number=10 + 7 * city_index, street=region.streets[city_index % len(region.streets)]
            ),
            city=city.name,
            state=city.state,
            country=region.country,
            postalCode=city.postal_code.replace("#", "0"),
            type="STORE",
        ),
    )


def _ship_info(sale: _Sale) -> ShipInfo:
    """Where and how the sale's orders went: the address, who may pick up, the carrier."""
    person, method = sale.person, sale.ship_method
    pickup = [
        Pickup(
            name=_name(person),
            email=person.email,
            phone=_phone(person),
            pickupType=PickupType.Primary,
        )
    ]
    if sale.alternate_pickup:
        first, last = sale.alternate_pickup
        pickup.append(
            Pickup(name=PersonName(first=first, last=last), pickupType=PickupType.Alternate)
        )
    city = person.city
    fees = _totals_by_type(
        fee for order in sale.orders for line in order.lines for fee in line.fees
    )
    return ShipInfo(
        shipToId=sale.ship_to_id,
        taxCode=f"{person.region.code}{person.city_index + 1:02d}",
        locationNum=str(sale.location_num),
        pickup=pickup,
        shipToAddress=ShipToAddress(
            name=_name(person),
            email=person.email,
            phone=_phone(person),
            address1=person.street,
            address2=person.unit,
            city=city.name,
            state=city.state,
            country=person.region.country,
            postalCode=person.postal_code,
            type="business" if person.company else "residence",
            latitude=person.latitude,
            longitude=person.longitude,
        ),
        shipMethod=method.name,
        shipToType=method.ship_to_type,
        estimatedShipDate=sale.orders[-1].ordered_at + timedelta(days=1),
        estimatedDeliveryDate=sale.shipped_at + timedelta(days=method.delivery_days),
        shipToPrice=dict(fees).get("SHIPPING", ZERO),
        shipToDiscount=ZERO,
        shipmentInstructions=sale.instructions,
        attributes={"carrier": sale.carrier, "trackingNumber": sale.tracking_number},
    )
