"""Rendering planned invoices as fabric's documents: statuses, payments, settlements, audit
trails, parties and shipping details."""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from seeds.demo.amounts import ZERO, prorate, split_exactly, totals_by_type
from seeds.demo.catalog import (
    AUDITS,
    EMPLOYEES,
    PAYMENT_STATUSES,
    SETTLEMENT_CODES,
    STATUS_CODE_WEIGHTS,
    STATUS_WEIGHTS,
    Promo,
)
from seeds.demo.draws import UniqueIds, draw_token, fill_digits, moment_after, weighted_choice
from seeds.demo.parties import address_of, customer_of, ship_info_of, store_location
from seeds.demo.planning import PlannedInvoice, SaleLine, SaleOrder
from store.domain.documents import (
    Appeasement,
    AppeasementPayment,
    AuditLog,
    Discount,
    Fee,
    Invoice,
    InvoiceItem,
    InvoiceOrder,
    InvoicePayment,
    InvoiceSource,
    ItemReturn,
    PaymentIdentifier,
    PaymentToken,
    Retail,
    Settlement,
    TaxDetail,
    UpdatedField,
)
from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    SettlementStatusCode,
    StatusCode,
)

INVOICE_NUMBER_BASE = 23_940_000


def render_invoices(
    rng: random.Random, ids: UniqueIds, account: str, planned: Sequence[PlannedInvoice]
) -> list[Invoice]:
    """Render the planned invoices, numbered in date order."""
    number = INVOICE_NUMBER_BASE + rng.randrange(10_000)
    invoices = []
    for index, invoice in enumerate(planned):
        number += rng.randint(1, 9)
        status = _status(rng, index, invoice.type)
        code = _status_code(rng, index, status)
        invoices.append(_invoice(rng, ids, account, str(number), invoice, status, code))
    return invoices


def _status(rng: random.Random, index: int, invoice_type: InvoiceType) -> InvoiceStatus:
    """A likely status for the type; an account's first invoices take each status in turn."""
    statuses = tuple(InvoiceStatus)
    if index < len(statuses):
        return statuses[index]
    return weighted_choice(rng, STATUS_WEIGHTS[invoice_type])


def _status_code(rng: random.Random, index: int, status: InvoiceStatus) -> StatusCode:
    """Where the invoice is in fabric's CREATED -> POSTED -> ACKNOWLEDGED flow."""
    if status is InvoiceStatus.DRAFT:
        return StatusCode.CREATED  # a draft is never sent on to the merchant
    codes = tuple(StatusCode)
    if index < len(codes):
        return codes[index]
    return weighted_choice(rng, STATUS_CODE_WEIGHTS)


def _invoice(
    rng: random.Random,
    ids: UniqueIds,
    account: str,
    number: str,
    planned: PlannedInvoice,
    status: InvoiceStatus,
    code: StatusCode,
) -> Invoice:
    """Render one planned invoice with its payments, audit trail and status dates."""
    sale, region = planned.sale, planned.sale.person.region
    created = planned.invoice_date + timedelta(seconds=rng.randint(1, 600))
    posted = (
        created + timedelta(minutes=rng.randint(1, 240)) if code != StatusCode.CREATED else None
    )
    acknowledged = (
        posted + timedelta(minutes=rng.randint(5, 2880))
        if posted and code is StatusCode.ACKNOWLEDGED
        else None
    )
    audit_logs = _audit_logs(rng, ids, planned, created)
    changes = [created, posted, acknowledged, *(log_at for log_at, _ in audit_logs)]
    invoice_id = ids.object_id(created)
    shipping = planned.type is InvoiceType.SHIPPING
    orders = [_invoice_order(rng, planned, order, status) for order in planned.orders]
    lines = [line for order in planned.orders for line in order.lines]
    return Invoice(
        invoiceId=invoice_id,
        invoiceNumber=number,
        invoiceStatus=status,
        invoiceType=planned.type,
        invoiceDate=planned.invoice_date,
        shipmentId=sale.shipment_id if shipping else None,
        shipmentNumber=sale.shipment_number if shipping else None,
        shippedOn=sale.shipped_at if shipping else None,
        orders=orders,
        locationNum=sale.location_num,
        location=store_location(sale.person.region, sale.person.city_index),
        retail=Retail(locationNum=sale.location_num, cashierId=sale.cashier_id)
        if sale.cashier_id
        else None,
        createdAt=created,
        updatedAt=max(moment for moment in changes if moment),
        postedAt=posted,
        acknowledgedAt=acknowledged,
        statusCode=code,
        channelId=sale.channel,
        invoiceTotal=sum((order.total for order in planned.orders), ZERO),
        totalTaxAmount=sum((line.tax_total for line in lines), ZERO),
        currency=region.currency,
        customer=customer_of(sale),
        auditLogs=[log for _, log in audit_logs] or None,
        shipInfo=ship_info_of(sale),
        attributes={"erpExported": code is not StatusCode.CREATED, "giftOrder": rng.random() < 0.2}
        if rng.random() < 0.3
        else None,
        account=account,
        version=1 + len(audit_logs),
        source=InvoiceSource(system="demo", id=invoice_id),
    )


def _invoice_order(
    rng: random.Random, planned: PlannedInvoice, order: SaleOrder, status: InvoiceStatus
) -> InvoiceOrder:
    """An order's share of the invoice: its items, payments and order-level totals by type."""
    total, lines = order.total, order.lines
    payments = _payments(rng, planned, order, status)
    appeasements = None
    if planned.type is InvoiceType.APPEASEMENT:
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
        items=[_item(line, order, planned) for line in lines],
        payments=payments,
        fees=[
            Fee(type=kind, value=value)
            for kind, value in totals_by_type(fee for line in lines for fee in line.fees)
        ]
        or None,
        appeasements=appeasements,
        discounts=_order_discounts(lines),
        taxDetail=[
            TaxDetail(type=kind, value=value)
            for kind, value in totals_by_type(tax for line in lines for tax in line.taxes)
        ]
        or None,
        attributes=order.attributes,
    )


def _order_discounts(lines: Sequence[SaleLine]) -> list[Discount] | None:
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


def _item(line: SaleLine, order: SaleOrder, planned: PlannedInvoice) -> InvoiceItem:
    """Render a line as fabric's invoice item."""
    total = line.total
    appeased = planned.type is InvoiceType.APPEASEMENT
    returned = planned.type is InvoiceType.RETURN
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
        currency=planned.sale.person.region.currency,
        fees=[Fee(type=kind, value=value) for kind, value in line.fees] or None,
        taxDetail=[TaxDetail(type=kind, value=value) for kind, value in line.taxes] or None,
        appeasements=[_appeasement(line.reason, line.sub_reason, total, [(1, total)])]
        if appeased
        else None,
        discount=[_discount(line.promo, line.quantity, line.discount)] if line.promo else None,
        shipToId=planned.sale.ship_to_id,
        returns=[
            ItemReturn(
                shipmentLineItemId=line.shipment_line_id,
                shipmentQuantity=line.quantity,
                refundAmount=total,
                reasonCode=line.reason,
                invoiceDate=planned.invoice_date,
            )
        ]
        if returned
        else None,
        attributes=line.attributes,
        uom="EA",
    )


def _payments(
    rng: random.Random, planned: PlannedInvoice, order: SaleOrder, status: InvoiceStatus
) -> list[InvoicePayment]:
    """One to three payments that add up exactly to the order's total."""
    # A shipment captures what was authorized with the order; a credit is paid on the invoice date.
    paid_at = order.ordered_at if planned.type is InvoiceType.SHIPPING else planned.invoice_date
    amounts = split_exactly(rng, order.total, rng.choices((1, 2, 3), (55, 35, 10))[0])
    return [
        _payment(rng, planned, counter, amount, status, paid_at)
        for counter, amount in enumerate(amounts, 1)
    ]


def _payment(
    rng: random.Random,
    planned: PlannedInvoice,
    counter: int,
    amount: Decimal,
    status: InvoiceStatus,
    paid_at: datetime,
) -> InvoicePayment:
    """A captured charge for a shipment, a refund for a return or an appeasement."""
    sale, region = planned.sale, planned.sale.person.region
    method = rng.choice(region.payment_methods)
    return InvoicePayment(
        paymentCounter=counter,
        paymentDate=paid_at,
        billToId=sale.bill_to_id,
        paymentIdentifier=PaymentIdentifier(cardIdentifier=fill_digits(rng, "************####")),
        paymentProvider=method.provider,
        paymentToken=PaymentToken(
            token=draw_token(rng, method.token_prefix), paymentType=method.type
        ),
        paymentMethod=method.method,
        paymentType=method.type,
        currency=region.currency,
        conversion=Decimal("1"),
        paymentStatus=PAYMENT_STATUSES[status],
        attributes={"avsResult": rng.choice("YAZ"), "cvvResult": "M"}
        if rng.random() < 0.3
        else None,
        billToAddress=address_of(sale.person, "BILLING"),
        settlement=_settlement(rng, amount, status, planned.invoice_date),
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
        settled = prorate(amount, rng.randint(30, 90), 100)
    elif code is SettlementStatusCode.SETTLEMENT_FAILED:
        settled = ZERO
    settled_at = moment_after(rng, invoiced_at, (1, 3))
    return Settlement(
        settlementDate=settled_at,
        settlementStatusCode=code,
        settlementAmount=settled,
        attributes={"batchId": f"STL-{settled_at:%Y%m%d}-{rng.randint(1, 24):02d}"}
        if rng.random() < 0.3
        else None,
    )


def _audit_logs(
    rng: random.Random, ids: UniqueIds, planned: PlannedInvoice, created: datetime
) -> list[tuple[datetime, AuditLog]]:
    """Zero to three changes made after the invoice was created, oldest first."""
    lines = [line for order in planned.orders for line in order.lines]
    logs = []
    at = created
    for _ in range(rng.choices((0, 1, 2, 3), (45, 30, 15, 10))[0]):
        at += timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        logs.append((at, _audit_log(rng, ids, rng.choice(lines), at)))
    return logs


def _audit_log(rng: random.Random, ids: UniqueIds, line: SaleLine, at: datetime) -> AuditLog:
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
        paymentToken=PaymentToken(token=draw_token(rng, "pi_"), paymentType="VISA")
        if payment
        else None,
        success=rng.random() < 0.95,
        paymentResponse={"code": "200", "message": "Approved"} if payment else None,
        updatedFields=[UpdatedField(fieldName=field_name, fieldOriginalValue=rng.choice(earlier))],
        attributes={"ticket": fill_digits(rng, "CS-#####")} if rng.random() < 0.3 else None,
    )
