"""The invoice document: fabric's v2 invoice model, plus the owning account and a version.

Field names are fabric's own, so a stored document reads exactly like fabric's API.
Every field but the identity is optional: fabric omits what does not apply, and a
projected read fetches only what a client selected.
"""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
    StatusCode,
)
from store.domain.instants import Instant
from store.domain.money import ExactDecimal, Money


def json_numbers(value: Any) -> Any:
    """Free-form JSON with every Decimal as the JSON number it is (docs/ingest.md).

    Files are parsed with exact Decimals, API bodies with floats: a Decimal that a float
    holds exactly is stored as that float, so both paths store the same number; one a
    float would round is kept exactly as its decimal text.
    """
    if isinstance(value, Decimal):
        number = float(value)
        if value.is_finite() and Decimal(repr(number)) == value:
            return number
        return str(value)
    if isinstance(value, dict):
        return {key: json_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_numbers(item) for item in value]
    return value


Attributes = Annotated[dict[str, Any], PlainSerializer(json_numbers, when_used="json")]


class FabricModel(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class PersonName(FabricModel):
    first: str | None = None
    middle: str | None = None
    last: str | None = None


class Phone(FabricModel):
    number: str | None = None
    type: str | None = None


class Contact(FabricModel):
    type: str | None = None
    email: str | None = None
    phone: list[Phone] | None = None
    name: PersonName | None = None


class InvoiceAddress(FabricModel):
    addressLine1: str | None = None
    addressLine2: str | None = None
    addressLine3: str | None = None
    addressLine4: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postalCode: str | None = None
    type: str | None = None
    contact: list[Contact] | None = None


class Fee(FabricModel):
    type: str | None = None
    value: Money | None = None


class TaxDetail(FabricModel):
    type: str | None = None
    value: Money | None = None


class AppeasementPayment(FabricModel):
    paymentCounter: int | None = None
    refundAmount: Money | None = None


class Appeasement(FabricModel):
    appeasementCounter: int | None = None
    reasonCode: str | None = None
    subReasonCode: str | None = None
    value: Money | None = None
    invoiceValue: Money | None = None
    payments: list[AppeasementPayment] | None = None


class Discount(FabricModel):
    quantity: int | None = None
    value: Money | None = None
    promoId: str | None = None
    promoCode: str | None = None
    promoTitle: str | None = None
    type: str | None = None


class ItemReturn(FabricModel):
    shipmentLineItemId: str | None = None
    shipmentQuantity: int | None = None
    refundAmount: Money | None = None
    reasonCode: str | None = None
    invoiceDate: Instant | None = None


class InvoiceItem(FabricModel):
    lineItemId: str | None = None
    lineItemNumber: int | None = None
    shipmentLineItemId: str | None = None
    itemId: str | None = None
    orderId: str | None = None
    type: str | None = None
    sku: str | None = None
    invoiceQuantity: int | None = None
    itemUnitPrice: Money | None = None
    invoiceLineTotal: Money | None = None
    itemDiscountsTotal: Money | None = None
    itemTaxTotal: Money | None = None
    itemFeeTotal: Money | None = None
    itemAppeasementTotal: Money | None = None
    lineItemCreatedAt: Instant | None = None
    locationStoreId: str | None = None
    returnExpiryDays: str | None = None
    currency: str | None = None
    fees: list[Fee] | None = None
    taxDetail: list[TaxDetail] | None = None
    appeasements: list[Appeasement] | None = None
    discount: list[Discount] | None = None
    shipToId: str | None = None
    returns: list[ItemReturn] | None = None
    attributes: Attributes | None = None
    uom: str | None = None


class PaymentIdentifier(FabricModel):
    cardIdentifier: str | None = None


class PaymentToken(FabricModel):
    token: str | None = None
    paymentType: str | None = None


class Settlement(FabricModel):
    settlementDate: Instant | None = None
    settlementStatusCode: SettlementStatusCode | None = None
    settlementAmount: Money | None = None
    attributes: Attributes | None = None


class InvoicePayment(FabricModel):
    paymentCounter: int | None = None
    paymentDate: Instant | None = None
    billToId: str | None = None
    paymentIdentifier: PaymentIdentifier | None = None
    paymentProvider: str | None = None
    paymentToken: PaymentToken | None = None
    paymentMethod: str | None = None
    paymentType: str | None = None
    currency: str | None = None
    conversion: ExactDecimal | None = None
    paymentStatus: str | None = None
    attributes: Attributes | None = None
    billToAddress: InvoiceAddress | None = None
    settlement: Settlement | None = None
    authAmount: Money | None = None


class InvoiceOrder(FabricModel):
    orderId: str | None = None
    orderNumber: str | None = None
    orderDate: Instant | None = None
    orderType: OrderType | None = None
    orderSubType: OrderSubType | None = None
    invoiceOrderTotal: Money | None = None
    items: list[InvoiceItem] | None = None
    payments: list[InvoicePayment] | None = None
    fees: list[Fee] | None = None
    appeasements: list[Appeasement] | None = None
    discounts: list[Discount] | None = None
    taxDetail: list[TaxDetail] | None = None
    attributes: Attributes | None = None


class InvoiceLocation(FabricModel):
    locationNum: int | None = None
    address: InvoiceAddress | None = None


class Retail(FabricModel):
    locationNum: int | None = None
    cashierId: str | None = None


class Customer(FabricModel):
    name: PersonName | None = None
    email: str | None = None
    phone: Phone | None = None
    userId: str | None = None
    accountId: str | None = None
    employeeId: str | None = None
    company: str | None = None
    address: InvoiceAddress | None = None


class UpdatedField(FabricModel):
    fieldName: str | None = None
    fieldOriginalValue: str | None = None


class AuditLog(FabricModel):
    lineItemId: str | None = None
    auditId: str | None = None
    auditType: str | None = None
    employeeId: str | None = None
    auditTimestamp: Instant | None = None
    source: str | None = None
    reasonCode: str | None = None
    subReasonCode: str | None = None
    policyCode: str | None = None
    note: str | None = None
    lineItemNumber: int | None = None
    sku: str | None = None
    quantity: int | None = None
    amount: Money | None = None
    paymentToken: PaymentToken | None = None
    success: bool | None = None
    paymentResponse: Attributes | None = None
    updatedFields: list[UpdatedField] | None = None
    attributes: Attributes | None = None


class Pickup(FabricModel):
    name: PersonName | None = None
    email: str | None = None
    phone: Phone | None = None
    pickupType: PickupType | None = None


class ShipToAddress(FabricModel):
    name: PersonName | None = None
    email: str | None = None
    phone: Phone | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    address4: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postalCode: str | None = None
    type: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ShipInfo(FabricModel):
    shipToId: str | None = None
    taxCode: str | None = None
    locationNum: str | None = None
    pickup: list[Pickup] | None = None
    shipToAddress: ShipToAddress | None = None
    taxDetail: list[TaxDetail] | None = None
    shipMethod: str | None = None
    shipToType: str | None = None
    estimatedShipDate: Instant | None = None
    estimatedDeliveryDate: Instant | None = None
    shipToPrice: Money | None = None
    shipToDiscount: Money | None = None
    shipToTaxTotal: Money | None = None
    shipmentInstructions: str | None = None
    attributes: Attributes | None = None


class InvoiceSource(FabricModel):
    """Where an ingested invoice came from: the key of idempotent ingest."""

    system: str
    id: str
    modifiedAt: Instant | None = None


class InvoiceBody(FabricModel):
    """The fabric invoice as a client or a source system supplies it."""

    invoiceId: str | None = None
    invoiceNumber: str | None = None
    invoiceStatus: InvoiceStatus | None = None
    invoiceType: InvoiceType | None = None
    invoiceDate: Instant | None = None
    shipmentId: str | None = None
    shipmentNumber: str | None = None
    shippedOn: Instant | None = None
    orders: list[InvoiceOrder] | None = None
    locationNum: int | None = None
    location: InvoiceLocation | None = None
    retail: Retail | None = None
    createdAt: Instant | None = None
    updatedAt: Instant | None = None
    postedAt: Instant | None = None
    acknowledgedAt: Instant | None = None
    statusCode: StatusCode | None = None
    channelId: str | None = None
    invoiceTotal: Money | None = None
    totalTaxAmount: Money | None = None
    currency: str | None = None
    customer: Customer | None = None
    auditLogs: list[AuditLog] | None = None
    shipInfo: ShipInfo | None = None
    attributes: Attributes | None = None


class Invoice(InvoiceBody):
    """A stored invoice: the fabric document owned by one account.

    The identity, the owner and the keys every listing sorts by are required, so
    a projected read always fetches them (`REQUIRED_FIELDS`).
    """

    invoiceId: str = Field(min_length=1)
    invoiceNumber: str = Field(min_length=1)
    invoiceDate: Instant
    createdAt: Instant
    invoiceTotal: Money
    account: str = Field(min_length=1)
    version: int = Field(ge=1)
    source: InvoiceSource | None = None


REQUIRED_FIELDS = frozenset(
    name for name, info in Invoice.model_fields.items() if info.is_required()
)
