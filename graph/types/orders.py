"""An invoice's orders and their line items, fees, taxes, discounts, appeasements, returns."""

import strawberry

from graph.types.enums import OrderSubType, OrderType
from graph.types.payments import InvoicePayment
from graph.types.scalars import JSON, DateTime, Decimal


@strawberry.type(description="A fee charged on an order or a line item.")
class InvoiceFee:
    type: str | None = strawberry.field(description="Kind of fee.")
    value: Decimal | None = strawberry.field(description="Amount of the fee.")


@strawberry.type(description="A tax charged on an order, a line item or a shipment.")
class InvoiceTaxDetail:
    type: str | None = strawberry.field(description="Kind of tax.")
    value: Decimal | None = strawberry.field(description="Amount of the tax.")


@strawberry.type(description="A refund paid out for an appeasement.")
class AppeasementPayment:
    paymentCounter: int | None = strawberry.field(
        description="Counter of the payment the refund goes to."
    )
    refundAmount: Decimal | None = strawberry.field(description="Amount refunded.")


@strawberry.type(description="An appeasement granted to the customer (OrderAppeasementDetail).")
class OrderAppeasementDetail:
    appeasementCounter: int | None = strawberry.field(
        description="Sequence number of the appeasement."
    )
    reasonCode: str | None = strawberry.field(description="Why the appeasement was granted.")
    subReasonCode: str | None = strawberry.field(description="Refinement of the reason.")
    value: Decimal | None = strawberry.field(description="Value of the appeasement.")
    invoiceValue: Decimal | None = strawberry.field(
        description="Part of the appeasement value on this invoice."
    )
    payments: list[AppeasementPayment] | None = strawberry.field(
        description="Refunds paid for the appeasement."
    )


@strawberry.type(description="A discount applied (Invoice discount model).")
class InvoiceDiscount:
    quantity: int | None = strawberry.field(description="Quantity the discount applies to.")
    value: Decimal | None = strawberry.field(description="Amount of the discount.")
    promoId: str | None = strawberry.field(description="Id of the promotion.")
    promoCode: str | None = strawberry.field(description="Code of the promotion.")
    promoTitle: str | None = strawberry.field(description="Title of the promotion.")
    type: str | None = strawberry.field(description="Kind of discount, e.g. promotion.")


@strawberry.type(description="A return of part of a line item.")
class InvoiceItemReturn:
    shipmentLineItemId: str | None = strawberry.field(
        description="Shipment line item that was returned."
    )
    shipmentQuantity: int | None = strawberry.field(description="Quantity returned.")
    refundAmount: Decimal | None = strawberry.field(description="Amount refunded.")
    reasonCode: str | None = strawberry.field(description="Why the item was returned.")
    invoiceDate: DateTime | None = strawberry.field(description="When the return was invoiced.")


@strawberry.type(description="A line item of an invoiced order (InvoiceItem model).")
class InvoiceItem:
    lineItemId: str | None = strawberry.field(description="Id of the order line item.")
    lineItemNumber: int | None = strawberry.field(description="Number of the line in the order.")
    shipmentLineItemId: str | None = strawberry.field(description="Id of the shipment line item.")
    itemId: str | None = strawberry.field(description="Id of the product item.")
    orderId: str | None = strawberry.field(description="Id of the order the line belongs to.")
    type: str | None = strawberry.field(description="Kind of line, e.g. WEB_PICKUP.")
    sku: str | None = strawberry.field(description="Stock keeping unit of the product.")
    invoiceQuantity: int | None = strawberry.field(description="Quantity invoiced.")
    itemUnitPrice: Decimal | None = strawberry.field(description="Price of one unit.")
    invoiceLineTotal: Decimal | None = strawberry.field(description="Total invoiced for the line.")
    itemDiscountsTotal: Decimal | None = strawberry.field(
        description="Total of the line's discounts."
    )
    itemTaxTotal: Decimal | None = strawberry.field(description="Total of the line's taxes.")
    itemFeeTotal: Decimal | None = strawberry.field(description="Total of the line's fees.")
    itemAppeasementTotal: Decimal | None = strawberry.field(
        description="Total of the line's appeasements."
    )
    lineItemCreatedAt: DateTime | None = strawberry.field(description="When the line was created.")
    locationStoreId: str | None = strawberry.field(description="Store the line ships from.")
    returnExpiryDays: str | None = strawberry.field(
        description="Days within which the line may be returned."
    )
    currency: str | None = strawberry.field(description="Currency of the line's amounts.")
    fees: list[InvoiceFee] | None = strawberry.field(description="Fees on the line.")
    taxDetail: list[InvoiceTaxDetail] | None = strawberry.field(description="Taxes on the line.")
    appeasements: list[OrderAppeasementDetail] | None = strawberry.field(
        description="Appeasements on the line."
    )
    discount: list[InvoiceDiscount] | None = strawberry.field(description="Discounts on the line.")
    shipToId: str | None = strawberry.field(description="Ship-to the line goes to.")
    returns: list[InvoiceItemReturn] | None = strawberry.field(description="Returns of the line.")
    attributes: JSON | None = strawberry.field(
        description="Free-form attributes of the line (source fields without a fabric home)."
    )
    uom: str | None = strawberry.field(description="Unit of measure.")


@strawberry.type(description="An order covered by the invoice (InvoiceOrder model).")
class InvoiceOrder:
    orderId: str | None = strawberry.field(description="Order id for which the invoice is made.")
    orderNumber: str | None = strawberry.field(
        description="Order number for which the invoice is made."
    )
    orderDate: DateTime | None = strawberry.field(description="Actual order creation date.")
    orderType: OrderType | None = strawberry.field(description="Channel the order came from.")
    orderSubType: OrderSubType | None = strawberry.field(description="Refinement of orderType.")
    invoiceOrderTotal: Decimal | None = strawberry.field(
        description="Total amount invoiced as per order."
    )
    items: list[InvoiceItem] | None = strawberry.field(description="Item list for the invoicing.")
    payments: list[InvoicePayment] | None = strawberry.field(
        description="Payment list for the invoicing."
    )
    fees: list[InvoiceFee] | None = strawberry.field(description="Fees on the order.")
    appeasements: list[OrderAppeasementDetail] | None = strawberry.field(
        description="Invoice appeasement details."
    )
    discounts: list[InvoiceDiscount] | None = strawberry.field(
        description="Discount list for the invoicing."
    )
    taxDetail: list[InvoiceTaxDetail] | None = strawberry.field(description="Taxes on the order.")
    attributes: JSON | None = strawberry.field(
        description="Free-form attributes of the order (source fields without a fabric home)."
    )
