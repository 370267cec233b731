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
    # A field's docstring is its description, which the GraphQL types serve (graph/types/).
    model_config = ConfigDict(extra="forbid", use_enum_values=False, use_attribute_docstrings=True)


class PersonName(FabricModel):
    first: str | None = None
    """First name."""
    middle: str | None = None
    """Middle name."""
    last: str | None = None
    """Last name."""


class Phone(FabricModel):
    number: str | None = None
    """The phone number."""
    type: str | None = None
    """Kind of number, e.g. MOBILE."""


class Contact(FabricModel):
    type: str | None = None
    """Kind of contact."""
    email: str | None = None
    """Email address of the contact."""
    phone: list[Phone] | None = None
    """Phone numbers of the contact."""
    name: PersonName | None = None
    """Name of the contact."""


class InvoiceAddress(FabricModel):
    addressLine1: str | None = None
    """First address line."""
    addressLine2: str | None = None
    """Second address line."""
    addressLine3: str | None = None
    """Third address line."""
    addressLine4: str | None = None
    """Fourth address line."""
    city: str | None = None
    """City."""
    state: str | None = None
    """State or province."""
    country: str | None = None
    """Country."""
    postalCode: str | None = None
    """Postal code."""
    type: str | None = None
    """Kind of address."""
    contact: list[Contact] | None = None
    """Contacts at this address."""


class Fee(FabricModel):
    type: str | None = None
    """Kind of fee."""
    value: Money | None = None
    """Amount of the fee."""


class TaxDetail(FabricModel):
    type: str | None = None
    """Kind of tax."""
    value: Money | None = None
    """Amount of the tax."""


class AppeasementPayment(FabricModel):
    paymentCounter: int | None = None
    """Counter of the payment the refund goes to."""
    refundAmount: Money | None = None
    """Amount refunded."""


class Appeasement(FabricModel):
    appeasementCounter: int | None = None
    """Sequence number of the appeasement."""
    reasonCode: str | None = None
    """Why the appeasement was granted."""
    subReasonCode: str | None = None
    """Refinement of the reason."""
    value: Money | None = None
    """Value of the appeasement."""
    invoiceValue: Money | None = None
    """Part of the appeasement value on this invoice."""
    payments: list[AppeasementPayment] | None = None
    """Refunds paid for the appeasement."""


class Discount(FabricModel):
    quantity: int | None = None
    """Quantity the discount applies to."""
    value: Money | None = None
    """Amount of the discount."""
    promoId: str | None = None
    """Id of the promotion."""
    promoCode: str | None = None
    """Code of the promotion."""
    promoTitle: str | None = None
    """Title of the promotion."""
    type: str | None = None
    """Kind of discount, e.g. promotion."""


class ItemReturn(FabricModel):
    shipmentLineItemId: str | None = None
    """Shipment line item that was returned."""
    shipmentQuantity: int | None = None
    """Quantity returned."""
    refundAmount: Money | None = None
    """Amount refunded."""
    reasonCode: str | None = None
    """Why the item was returned."""
    invoiceDate: Instant | None = None
    """When the return was invoiced."""


class InvoiceItem(FabricModel):
    lineItemId: str | None = None
    """Id of the order line item."""
    lineItemNumber: int | None = None
    """Number of the line in the order."""
    shipmentLineItemId: str | None = None
    """Id of the shipment line item."""
    itemId: str | None = None
    """Id of the product item."""
    orderId: str | None = None
    """Id of the order the line belongs to."""
    type: str | None = None
    """Kind of line, e.g. WEB_PICKUP."""
    sku: str | None = None
    """Stock keeping unit of the product."""
    invoiceQuantity: int | None = None
    """Quantity invoiced."""
    itemUnitPrice: Money | None = None
    """Price of one unit."""
    invoiceLineTotal: Money | None = None
    """Total invoiced for the line."""
    itemDiscountsTotal: Money | None = None
    """Total of the line's discounts."""
    itemTaxTotal: Money | None = None
    """Total of the line's taxes."""
    itemFeeTotal: Money | None = None
    """Total of the line's fees."""
    itemAppeasementTotal: Money | None = None
    """Total of the line's appeasements."""
    lineItemCreatedAt: Instant | None = None
    """When the line was created."""
    locationStoreId: str | None = None
    """Store the line ships from."""
    returnExpiryDays: str | None = None
    """Days within which the line may be returned."""
    currency: str | None = None
    """Currency of the line's amounts."""
    fees: list[Fee] | None = None
    """Fees on the line."""
    taxDetail: list[TaxDetail] | None = None
    """Taxes on the line."""
    appeasements: list[Appeasement] | None = None
    """Appeasements on the line."""
    discount: list[Discount] | None = None
    """Discounts on the line."""
    shipToId: str | None = None
    """Ship-to the line goes to."""
    returns: list[ItemReturn] | None = None
    """Returns of the line."""
    attributes: Attributes | None = None
    """Free-form attributes of the line (source fields without a fabric home)."""
    uom: str | None = None
    """Unit of measure."""


class PaymentIdentifier(FabricModel):
    cardIdentifier: str | None = None
    """Masked card number."""


class PaymentToken(FabricModel):
    token: str | None = None
    """The provider's payment token."""
    paymentType: str | None = None
    """Payment type, e.g. VISA."""


class Settlement(FabricModel):
    settlementDate: Instant | None = None
    """When it was settled."""
    settlementStatusCode: SettlementStatusCode | None = None
    """Outcome of the settlement."""
    settlementAmount: Money | None = None
    """Amount settled."""
    attributes: Attributes | None = None
    """Free-form settlement attributes."""


class InvoicePayment(FabricModel):
    paymentCounter: int | None = None
    """Sequence number of the payment."""
    paymentDate: Instant | None = None
    """When the payment was made."""
    billToId: str | None = None
    """Id of the bill-to party."""
    paymentIdentifier: PaymentIdentifier | None = None
    """Invoice payment identifier."""
    paymentProvider: str | None = None
    """Payment provider, e.g. stripe."""
    paymentToken: PaymentToken | None = None
    """Invoice payment token."""
    paymentMethod: str | None = None
    """Payment method, e.g. CREDIT_CARD."""
    paymentType: str | None = None
    """Payment type, e.g. VISA."""
    currency: str | None = None
    """Currency of the payment."""
    conversion: ExactDecimal | None = None
    """Conversion rate into the invoice currency."""
    paymentStatus: str | None = None
    """Status of the payment."""
    attributes: Attributes | None = None
    """Free-form payment attributes."""
    billToAddress: InvoiceAddress | None = None
    """Billing address."""
    settlement: Settlement | None = None
    """Invoice settlement."""
    authAmount: Money | None = None
    """Amount authorized."""


class InvoiceOrder(FabricModel):
    orderId: str | None = None
    """Order id for which the invoice is made."""
    orderNumber: str | None = None
    """Order number for which the invoice is made."""
    orderDate: Instant | None = None
    """Actual order creation date."""
    orderType: OrderType | None = None
    """Channel the order came from."""
    orderSubType: OrderSubType | None = None
    """Refinement of orderType."""
    invoiceOrderTotal: Money | None = None
    """Total amount invoiced as per order."""
    items: list[InvoiceItem] | None = None
    """Item list for the invoicing."""
    payments: list[InvoicePayment] | None = None
    """Payment list for the invoicing."""
    fees: list[Fee] | None = None
    """Fees on the order."""
    appeasements: list[Appeasement] | None = None
    """Invoice appeasement details."""
    discounts: list[Discount] | None = None
    """Discount list for the invoicing."""
    taxDetail: list[TaxDetail] | None = None
    """Taxes on the order."""
    attributes: Attributes | None = None
    """Free-form attributes of the order (source fields without a fabric home)."""


class InvoiceLocation(FabricModel):
    locationNum: int | None = None
    """Location number in case of invoice type Shipment."""
    address: InvoiceAddress | None = None
    """Address of the location."""


class Retail(FabricModel):
    locationNum: int | None = None
    """Number of the store location."""
    cashierId: str | None = None
    """Cashier who handled the sale."""


class Customer(FabricModel):
    name: PersonName | None = None
    """Name of the customer."""
    email: str | None = None
    """Email of the customer."""
    phone: Phone | None = None
    """Phone of the customer."""
    userId: str | None = None
    """User id of the customer."""
    accountId: str | None = None
    """Account id such as a loyalty accountId."""
    employeeId: str | None = None
    """Employee id used when the customer is the employee himself."""
    company: str | None = None
    """Company of the customer."""
    address: InvoiceAddress | None = None
    """Address of the customer."""


class UpdatedField(FabricModel):
    fieldName: str | None = None
    """Name of the changed field."""
    fieldOriginalValue: str | None = None
    """Value before the change (JSON text for non-text values)."""


class AuditLog(FabricModel):
    lineItemId: str | None = None
    """Line item the action concerned."""
    auditId: str | None = None
    """Id of the audit entry."""
    auditType: str | None = None
    """Kind of action audited."""
    employeeId: str | None = None
    """Employee or API key that acted."""
    auditTimestamp: Instant | None = None
    """When the action happened."""
    source: str | None = None
    """Where the action came from, e.g. POS."""
    reasonCode: str | None = None
    """Reason for the action."""
    subReasonCode: str | None = None
    """Refinement of the reason."""
    policyCode: str | None = None
    """Policy applied."""
    note: str | None = None
    """Free-text note."""
    lineItemNumber: int | None = None
    """Number of the line concerned."""
    sku: str | None = None
    """SKU concerned."""
    quantity: int | None = None
    """Quantity concerned."""
    amount: Money | None = None
    """Amount concerned."""
    paymentToken: PaymentToken | None = None
    """Payment token concerned."""
    success: bool | None = None
    """Whether the action succeeded."""
    paymentResponse: Attributes | None = None
    """Raw payment provider response."""
    updatedFields: list[UpdatedField] | None = None
    """Fields the action changed, with their previous values."""
    attributes: Attributes | None = None
    """Free-form attributes of the entry."""


class Pickup(FabricModel):
    name: PersonName | None = None
    """Name of the pickup person."""
    email: str | None = None
    """Email of the pickup person."""
    phone: Phone | None = None
    """Phone of the pickup person."""
    pickupType: PickupType | None = None
    """Primary or alternate person."""


class ShipToAddress(FabricModel):
    name: PersonName | None = None
    """Name of the recipient."""
    email: str | None = None
    """Email of the recipient."""
    phone: Phone | None = None
    """Phone of the recipient."""
    address1: str | None = None
    """First address line."""
    address2: str | None = None
    """Second address line."""
    address3: str | None = None
    """Third address line."""
    address4: str | None = None
    """Fourth address line."""
    city: str | None = None
    """City."""
    state: str | None = None
    """State or province."""
    country: str | None = None
    """Country."""
    postalCode: str | None = None
    """Postal code."""
    type: str | None = None
    """Kind of address, e.g. residence."""
    latitude: float | None = None
    """Latitude of the address."""
    longitude: float | None = None
    """Longitude of the address."""


class ShipInfo(FabricModel):
    shipToId: str | None = None
    """Id of the ship-to."""
    taxCode: str | None = None
    """Tax code of the shipment."""
    locationNum: str | None = None
    """Location number used for BOPIS to identify the pickup store."""
    pickup: list[Pickup] | None = None
    """People who may pick up."""
    shipToAddress: ShipToAddress | None = None
    """Shipping address."""
    taxDetail: list[TaxDetail] | None = None
    """Taxes on the shipment."""
    shipMethod: str | None = None
    """Shipping method."""
    shipToType: str | None = None
    """Kind of ship-to, e.g. SHIP_TO_ADDRESS."""
    estimatedShipDate: Instant | None = None
    """Estimated ship date."""
    estimatedDeliveryDate: Instant | None = None
    """Estimated delivery date."""
    shipToPrice: Money | None = None
    """Price of shipping."""
    shipToDiscount: Money | None = None
    """Discount on shipping."""
    shipToTaxTotal: Money | None = None
    """Tax on shipping."""
    shipmentInstructions: str | None = None
    """Instructions for shipping."""
    attributes: Attributes | None = None
    """Free-form shipping attributes."""


class InvoiceSource(FabricModel):
    """Where an ingested invoice came from: the key of idempotent ingest."""

    system: str
    """Source system: akinon, fabric, invoicegraph (created here) or demo."""
    id: str
    """Id of the record in the source system."""
    modifiedAt: Instant | None = None
    """When the source record was last modified."""


class InvoiceBody(FabricModel):
    """The fabric invoice as a client or a source system supplies it."""

    invoiceId: str | None = None
    """Unique id of the invoice."""
    invoiceNumber: str | None = None
    """Unique number of the invoice."""
    externalId: str | None = None
    """The invoice's id in the merchant's own system (e.g. its ERP), as in fabric's v3 API."""
    invoiceStatus: InvoiceStatus | None = None
    """Current settlement status of the invoice."""
    invoiceType: InvoiceType | None = None
    """Type of the invoice."""
    invoiceDate: Instant | None = None
    """Date when the order was invoiced."""
    shipmentId: str | None = None
    """Shipment id in case of invoice type shipment."""
    shipmentNumber: str | None = None
    """Shipment number in case of invoice type shipment."""
    shippedOn: Instant | None = None
    """Date when the order shipped."""
    orders: list[InvoiceOrder] | None = None
    """Order details for the invoice."""
    locationNum: int | None = None
    """Location number in case of invoice type shipment."""
    location: InvoiceLocation | None = None
    """Invoice location."""
    retail: Retail | None = None
    """Retail store details."""
    createdAt: Instant | None = None
    """Date when the invoice was created."""
    updatedAt: Instant | None = None
    """Date when the invoice was last updated."""
    postedAt: Instant | None = None
    """Date when the invoice was posted for financial processing."""
    acknowledgedAt: Instant | None = None
    """Date when the invoice was acknowledged."""
    statusCode: StatusCode | None = None
    """Current delivery status of the invoice."""
    channelId: str | None = None
    """Sales channel of the invoice."""
    invoiceTotal: Money | None = None
    """Total amount invoiced."""
    totalTaxAmount: Money | None = None
    """Total tax amount invoiced."""
    currency: str | None = None
    """Currency in which the amount is invoiced."""
    customer: Customer | None = None
    """The invoiced customer."""
    auditLogs: list[AuditLog] | None = None
    """Audit log list."""
    shipInfo: ShipInfo | None = None
    """Shipping details."""
    attributes: Attributes | None = None
    """Free-form attributes (source fields without a fabric home)."""


class Invoice(InvoiceBody):
    """A stored invoice: the fabric document owned by one account.

    The identity, the owner and the keys every listing sorts by are required, so
    a projected read always fetches them (`REQUIRED_FIELDS`).
    """

    invoiceId: str = Field(min_length=1)
    """Unique id of the invoice."""
    invoiceNumber: str = Field(min_length=1)
    """Unique number of the invoice."""
    invoiceDate: Instant
    """Date when the order was invoiced."""
    createdAt: Instant
    """Date when the invoice was created."""
    invoiceTotal: Money
    """Total amount invoiced."""
    account: str = Field(min_length=1)
    """The account that owns the invoice."""
    version: int = Field(ge=1)
    """Grows by one with every change; pass it as expectedVersion to update safely."""
    source: InvoiceSource | None = None
    """The source-system record the invoice came from."""


REQUIRED_FIELDS = frozenset(
    name for name, info in Invoice.model_fields.items() if info.is_required()
)
