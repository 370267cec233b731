"""Input types for creating an invoice: fabric's invoice model, field for field.

Each `<Type>Input` mirrors the object type `<Type>` (a test keeps the two in step). The
fields the service owns are not inputs: createdAt, updatedAt, postedAt, acknowledgedAt,
statusCode, auditLogs and version are set by the lifecycle (docs/lifecycle.md).
"""

import strawberry

from graph.types.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
)
from graph.types.scalars import JSON, DateTime, Decimal


@strawberry.input(description="A person's name.")
class PersonNameInput:
    first: str | None = strawberry.field(default=None, description="First name.")
    middle: str | None = strawberry.field(default=None, description="Middle name.")
    last: str | None = strawberry.field(default=None, description="Last name.")


@strawberry.input(description="A phone number with its kind.")
class PhoneInput:
    number: str | None = strawberry.field(default=None, description="The phone number.")
    type: str | None = strawberry.field(default=None, description="Kind of number, e.g. MOBILE.")


@strawberry.input(description="A contact at an address (Invoice contact model).")
class ContactInput:
    type: str | None = strawberry.field(default=None, description="Kind of contact.")
    email: str | None = strawberry.field(default=None, description="Email address of the contact.")
    phone: list[PhoneInput] | None = strawberry.field(
        default=None, description="Phone numbers of the contact."
    )
    name: PersonNameInput | None = strawberry.field(
        default=None, description="Name of the contact."
    )


@strawberry.input(description="A postal address with its contacts (Invoice address model).")
class InvoiceAddressInput:
    addressLine1: str | None = strawberry.field(default=None, description="First address line.")
    addressLine2: str | None = strawberry.field(default=None, description="Second address line.")
    addressLine3: str | None = strawberry.field(default=None, description="Third address line.")
    addressLine4: str | None = strawberry.field(default=None, description="Fourth address line.")
    city: str | None = strawberry.field(default=None, description="City.")
    state: str | None = strawberry.field(default=None, description="State or province.")
    country: str | None = strawberry.field(default=None, description="Country.")
    postalCode: str | None = strawberry.field(default=None, description="Postal code.")
    type: str | None = strawberry.field(default=None, description="Kind of address.")
    contact: list[ContactInput] | None = strawberry.field(
        default=None, description="Contacts at this address."
    )


@strawberry.input(description="A fee charged on an order or a line item.")
class InvoiceFeeInput:
    type: str | None = strawberry.field(default=None, description="Kind of fee.")
    value: Decimal | None = strawberry.field(default=None, description="Amount of the fee.")


@strawberry.input(description="A tax charged on an order, a line item or a shipment.")
class InvoiceTaxDetailInput:
    type: str | None = strawberry.field(default=None, description="Kind of tax.")
    value: Decimal | None = strawberry.field(default=None, description="Amount of the tax.")


@strawberry.input(description="A refund paid out for an appeasement.")
class AppeasementPaymentInput:
    paymentCounter: int | None = strawberry.field(
        default=None, description="Counter of the payment the refund goes to."
    )
    refundAmount: Decimal | None = strawberry.field(default=None, description="Amount refunded.")


@strawberry.input(description="An appeasement granted to the customer (OrderAppeasementDetail).")
class OrderAppeasementDetailInput:
    appeasementCounter: int | None = strawberry.field(
        default=None, description="Sequence number of the appeasement."
    )
    reasonCode: str | None = strawberry.field(
        default=None, description="Why the appeasement was granted."
    )
    subReasonCode: str | None = strawberry.field(
        default=None, description="Refinement of the reason."
    )
    value: Decimal | None = strawberry.field(default=None, description="Value of the appeasement.")
    invoiceValue: Decimal | None = strawberry.field(
        default=None, description="Part of the appeasement value on this invoice."
    )
    payments: list[AppeasementPaymentInput] | None = strawberry.field(
        default=None, description="Refunds paid for the appeasement."
    )


@strawberry.input(description="A discount applied (Invoice discount model).")
class InvoiceDiscountInput:
    quantity: int | None = strawberry.field(
        default=None, description="Quantity the discount applies to."
    )
    value: Decimal | None = strawberry.field(default=None, description="Amount of the discount.")
    promoId: str | None = strawberry.field(default=None, description="Id of the promotion.")
    promoCode: str | None = strawberry.field(default=None, description="Code of the promotion.")
    promoTitle: str | None = strawberry.field(default=None, description="Title of the promotion.")
    type: str | None = strawberry.field(
        default=None, description="Kind of discount, e.g. promotion."
    )


@strawberry.input(description="A return of part of a line item.")
class InvoiceItemReturnInput:
    shipmentLineItemId: str | None = strawberry.field(
        default=None, description="Shipment line item that was returned."
    )
    shipmentQuantity: int | None = strawberry.field(default=None, description="Quantity returned.")
    refundAmount: Decimal | None = strawberry.field(default=None, description="Amount refunded.")
    reasonCode: str | None = strawberry.field(
        default=None, description="Why the item was returned."
    )
    invoiceDate: DateTime | None = strawberry.field(
        default=None, description="When the return was invoiced."
    )


@strawberry.input(description="A line item of an invoiced order (InvoiceItem model).")
class InvoiceItemInput:
    lineItemId: str | None = strawberry.field(
        default=None, description="Id of the order line item."
    )
    lineItemNumber: int | None = strawberry.field(
        default=None, description="Number of the line in the order."
    )
    shipmentLineItemId: str | None = strawberry.field(
        default=None, description="Id of the shipment line item."
    )
    itemId: str | None = strawberry.field(default=None, description="Id of the product item.")
    orderId: str | None = strawberry.field(
        default=None, description="Id of the order the line belongs to."
    )
    type: str | None = strawberry.field(default=None, description="Kind of line, e.g. WEB_PICKUP.")
    sku: str | None = strawberry.field(
        default=None, description="Stock keeping unit of the product."
    )
    invoiceQuantity: int | None = strawberry.field(default=None, description="Quantity invoiced.")
    itemUnitPrice: Decimal | None = strawberry.field(default=None, description="Price of one unit.")
    invoiceLineTotal: Decimal | None = strawberry.field(
        default=None, description="Total invoiced for the line."
    )
    itemDiscountsTotal: Decimal | None = strawberry.field(
        default=None, description="Total of the line's discounts."
    )
    itemTaxTotal: Decimal | None = strawberry.field(
        default=None, description="Total of the line's taxes."
    )
    itemFeeTotal: Decimal | None = strawberry.field(
        default=None, description="Total of the line's fees."
    )
    itemAppeasementTotal: Decimal | None = strawberry.field(
        default=None, description="Total of the line's appeasements."
    )
    lineItemCreatedAt: DateTime | None = strawberry.field(
        default=None, description="When the line was created."
    )
    locationStoreId: str | None = strawberry.field(
        default=None, description="Store the line ships from."
    )
    returnExpiryDays: str | None = strawberry.field(
        default=None, description="Days within which the line may be returned."
    )
    currency: str | None = strawberry.field(
        default=None, description="Currency of the line's amounts."
    )
    fees: list[InvoiceFeeInput] | None = strawberry.field(
        default=None, description="Fees on the line."
    )
    taxDetail: list[InvoiceTaxDetailInput] | None = strawberry.field(
        default=None, description="Taxes on the line."
    )
    appeasements: list[OrderAppeasementDetailInput] | None = strawberry.field(
        default=None, description="Appeasements on the line."
    )
    discount: list[InvoiceDiscountInput] | None = strawberry.field(
        default=None, description="Discounts on the line."
    )
    shipToId: str | None = strawberry.field(default=None, description="Ship-to the line goes to.")
    returns: list[InvoiceItemReturnInput] | None = strawberry.field(
        default=None, description="Returns of the line."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="Free-form attributes of the line (source fields without a fabric home).",
    )
    uom: str | None = strawberry.field(default=None, description="Unit of measure.")


@strawberry.input(description="Masked identifier of the payment instrument.")
class PaymentIdentifierInput:
    cardIdentifier: str | None = strawberry.field(default=None, description="Masked card number.")


@strawberry.input(description="Token of a payment at its provider.")
class PaymentTokenInput:
    token: str | None = strawberry.field(default=None, description="The provider's payment token.")
    paymentType: str | None = strawberry.field(default=None, description="Payment type, e.g. VISA.")


@strawberry.input(description="Settlement of a payment (Invoice settlement model).")
class InvoiceSettlementInput:
    settlementDate: DateTime | None = strawberry.field(
        default=None, description="When it was settled."
    )
    settlementStatusCode: SettlementStatusCode | None = strawberry.field(
        default=None, description="Outcome of the settlement."
    )
    settlementAmount: Decimal | None = strawberry.field(default=None, description="Amount settled.")
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form settlement attributes."
    )


@strawberry.input(description="A payment for the invoiced order (InvoicePayment model).")
class InvoicePaymentInput:
    paymentCounter: int | None = strawberry.field(
        default=None, description="Sequence number of the payment."
    )
    paymentDate: DateTime | None = strawberry.field(
        default=None, description="When the payment was made."
    )
    billToId: str | None = strawberry.field(default=None, description="Id of the bill-to party.")
    paymentIdentifier: PaymentIdentifierInput | None = strawberry.field(
        default=None, description="Invoice payment identifier."
    )
    paymentProvider: str | None = strawberry.field(
        default=None, description="Payment provider, e.g. stripe."
    )
    paymentToken: PaymentTokenInput | None = strawberry.field(
        default=None, description="Invoice payment token."
    )
    paymentMethod: str | None = strawberry.field(
        default=None, description="Payment method, e.g. CREDIT_CARD."
    )
    paymentType: str | None = strawberry.field(default=None, description="Payment type, e.g. VISA.")
    currency: str | None = strawberry.field(default=None, description="Currency of the payment.")
    conversion: Decimal | None = strawberry.field(
        default=None, description="Conversion rate into the invoice currency."
    )
    paymentStatus: str | None = strawberry.field(default=None, description="Status of the payment.")
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form payment attributes."
    )
    billToAddress: InvoiceAddressInput | None = strawberry.field(
        default=None, description="Billing address."
    )
    settlement: InvoiceSettlementInput | None = strawberry.field(
        default=None, description="Invoice settlement."
    )
    authAmount: Decimal | None = strawberry.field(default=None, description="Amount authorized.")


@strawberry.input(description="An order covered by the invoice (InvoiceOrder model).")
class InvoiceOrderInput:
    orderId: str | None = strawberry.field(
        default=None, description="Order id for which the invoice is made."
    )
    orderNumber: str | None = strawberry.field(
        default=None, description="Order number for which the invoice is made."
    )
    orderDate: DateTime | None = strawberry.field(
        default=None, description="Actual order creation date."
    )
    orderType: OrderType | None = strawberry.field(
        default=None, description="Channel the order came from."
    )
    orderSubType: OrderSubType | None = strawberry.field(
        default=None, description="Refinement of orderType."
    )
    invoiceOrderTotal: Decimal | None = strawberry.field(
        default=None, description="Total amount invoiced as per order."
    )
    items: list[InvoiceItemInput] | None = strawberry.field(
        default=None, description="Item list for the invoicing."
    )
    payments: list[InvoicePaymentInput] | None = strawberry.field(
        default=None, description="Payment list for the invoicing."
    )
    fees: list[InvoiceFeeInput] | None = strawberry.field(
        default=None, description="Fees on the order."
    )
    appeasements: list[OrderAppeasementDetailInput] | None = strawberry.field(
        default=None, description="Invoice appeasement details."
    )
    discounts: list[InvoiceDiscountInput] | None = strawberry.field(
        default=None, description="Discount list for the invoicing."
    )
    taxDetail: list[InvoiceTaxDetailInput] | None = strawberry.field(
        default=None, description="Taxes on the order."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="Free-form attributes of the order (source fields without a fabric home).",
    )


@strawberry.input(description="The invoiced customer (InvoiceCustomer model).")
class InvoiceCustomerInput:
    name: PersonNameInput | None = strawberry.field(
        default=None, description="Name of the customer."
    )
    email: str | None = strawberry.field(default=None, description="Email of the customer.")
    phone: PhoneInput | None = strawberry.field(default=None, description="Phone of the customer.")
    userId: str | None = strawberry.field(default=None, description="User id of the customer.")
    accountId: str | None = strawberry.field(
        default=None, description="Account id such as a loyalty accountId."
    )
    employeeId: str | None = strawberry.field(
        default=None, description="Employee id used when the customer is the employee himself."
    )
    company: str | None = strawberry.field(default=None, description="Company of the customer.")
    address: InvoiceAddressInput | None = strawberry.field(
        default=None, description="Address of the customer."
    )


@strawberry.input(description="A person who may pick the shipment up (OrderPickup model).")
class OrderPickupInput:
    name: PersonNameInput | None = strawberry.field(
        default=None, description="Name of the pickup person."
    )
    email: str | None = strawberry.field(default=None, description="Email of the pickup person.")
    phone: PhoneInput | None = strawberry.field(
        default=None, description="Phone of the pickup person."
    )
    pickupType: PickupType | None = strawberry.field(
        default=None, description="Primary or alternate person."
    )


@strawberry.input(description="Where the shipment goes (OrderAddress model).")
class OrderAddressInput:
    name: PersonNameInput | None = strawberry.field(
        default=None, description="Name of the recipient."
    )
    email: str | None = strawberry.field(default=None, description="Email of the recipient.")
    phone: PhoneInput | None = strawberry.field(default=None, description="Phone of the recipient.")
    address1: str | None = strawberry.field(default=None, description="First address line.")
    address2: str | None = strawberry.field(default=None, description="Second address line.")
    address3: str | None = strawberry.field(default=None, description="Third address line.")
    address4: str | None = strawberry.field(default=None, description="Fourth address line.")
    city: str | None = strawberry.field(default=None, description="City.")
    state: str | None = strawberry.field(default=None, description="State or province.")
    country: str | None = strawberry.field(default=None, description="Country.")
    postalCode: str | None = strawberry.field(default=None, description="Postal code.")
    type: str | None = strawberry.field(
        default=None, description="Kind of address, e.g. residence."
    )
    latitude: float | None = strawberry.field(default=None, description="Latitude of the address.")
    longitude: float | None = strawberry.field(
        default=None, description="Longitude of the address."
    )


@strawberry.input(description="Shipping details of the invoice (OrderShipInfo model).")
class OrderShipInfoInput:
    shipToId: str | None = strawberry.field(default=None, description="Id of the ship-to.")
    taxCode: str | None = strawberry.field(default=None, description="Tax code of the shipment.")
    locationNum: str | None = strawberry.field(
        default=None, description="Location number used for BOPIS to identify the pickup store."
    )
    pickup: list[OrderPickupInput] | None = strawberry.field(
        default=None, description="People who may pick up."
    )
    shipToAddress: OrderAddressInput | None = strawberry.field(
        default=None, description="Shipping address."
    )
    taxDetail: list[InvoiceTaxDetailInput] | None = strawberry.field(
        default=None, description="Taxes on the shipment."
    )
    shipMethod: str | None = strawberry.field(default=None, description="Shipping method.")
    shipToType: str | None = strawberry.field(
        default=None, description="Kind of ship-to, e.g. SHIP_TO_ADDRESS."
    )
    estimatedShipDate: DateTime | None = strawberry.field(
        default=None, description="Estimated ship date."
    )
    estimatedDeliveryDate: DateTime | None = strawberry.field(
        default=None, description="Estimated delivery date."
    )
    shipToPrice: Decimal | None = strawberry.field(default=None, description="Price of shipping.")
    shipToDiscount: Decimal | None = strawberry.field(
        default=None, description="Discount on shipping."
    )
    shipToTaxTotal: Decimal | None = strawberry.field(default=None, description="Tax on shipping.")
    shipmentInstructions: str | None = strawberry.field(
        default=None, description="Instructions for shipping."
    )
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form shipping attributes."
    )


@strawberry.input(description="Retail store details of an in-store invoice.")
class InvoiceRetailInput:
    locationNum: int | None = strawberry.field(
        default=None, description="Number of the store location."
    )
    cashierId: str | None = strawberry.field(
        default=None, description="Cashier who handled the sale."
    )


@strawberry.input(description="The invoice's location (Invoice location model).")
class InvoiceLocationInput:
    locationNum: int | None = strawberry.field(
        default=None, description="Location number in case of invoice type Shipment."
    )
    address: InvoiceAddressInput | None = strawberry.field(
        default=None, description="Address of the location."
    )


@strawberry.input(
    description=(
        "A new invoice in fabric's invoice model. Totals must reconcile exactly: each "
        "order's invoiceOrderTotal is the sum of its items' invoiceLineTotal, invoiceTotal "
        "the sum of the orders' invoiceOrderTotal, and totalTaxAmount (when given) the sum "
        "of the items' itemTaxTotal."
    )
)
class InvoiceCreateInput:
    invoiceId: strawberry.ID | None = strawberry.field(
        default=None,
        description="Unique id of the invoice; a fresh 24-hex id when omitted.",
    )
    invoiceNumber: str = strawberry.field(
        description="Unique number of the invoice within the account."
    )
    invoiceStatus: InvoiceStatus | None = strawberry.field(
        default=None,
        description=(
            "Settlement status to start in (DRAFT when omitted); any status a new invoice "
            "can start in (docs/lifecycle.md), never DELETED."
        ),
    )
    invoiceType: InvoiceType | None = strawberry.field(
        default=None, description="Type of the invoice."
    )
    invoiceDate: DateTime | None = strawberry.field(
        default=None,
        description="Date when the order was invoiced; the creation time when omitted.",
    )
    shipmentId: str | None = strawberry.field(
        default=None, description="Shipment id in case of invoice type shipment."
    )
    shipmentNumber: str | None = strawberry.field(
        default=None, description="Shipment number in case of invoice type shipment."
    )
    shippedOn: DateTime | None = strawberry.field(
        default=None, description="Date when the order shipped."
    )
    orders: list[InvoiceOrderInput] | None = strawberry.field(
        default=None, description="Order details for the invoice."
    )
    locationNum: int | None = strawberry.field(
        default=None, description="Location number in case of invoice type shipment."
    )
    location: InvoiceLocationInput | None = strawberry.field(
        default=None, description="Invoice location."
    )
    retail: InvoiceRetailInput | None = strawberry.field(
        default=None, description="Retail store details."
    )
    channelId: str | None = strawberry.field(
        default=None, description="Sales channel of the invoice."
    )
    invoiceTotal: Decimal = strawberry.field(description="Total amount invoiced.")
    totalTaxAmount: Decimal | None = strawberry.field(
        default=None, description="Total tax amount invoiced."
    )
    currency: str | None = strawberry.field(
        default=None, description="Currency in which the amount is invoiced."
    )
    customer: InvoiceCustomerInput | None = strawberry.field(
        default=None, description="The invoiced customer."
    )
    shipInfo: OrderShipInfoInput | None = strawberry.field(
        default=None, description="Shipping details."
    )
    attributes: JSON | None = strawberry.field(
        default=None, description="Free-form attributes (a JSON object)."
    )
