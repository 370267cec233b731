"""An invoice's orders and their line items, fees, taxes, discounts, appeasements, returns.

Their fields are the document model's (graph/types/fabric_shape.py).
"""

import graph.types.payments  # noqa: F401  # the payment types orders nest
from graph.types.fabric_shape import fabric_type
from store.domain import documents


@fabric_type(documents.Fee, description="A fee charged on an order or a line item.")
class InvoiceFee:
    pass


@fabric_type(
    documents.TaxDetail, description="A tax charged on an order, a line item or a shipment."
)
class InvoiceTaxDetail:
    pass


@fabric_type(documents.AppeasementPayment, description="A refund paid out for an appeasement.")
class AppeasementPayment:
    pass


@fabric_type(
    documents.Appeasement,
    description="An appeasement granted to the customer (OrderAppeasementDetail).",
)
class OrderAppeasementDetail:
    pass


@fabric_type(documents.Discount, description="A discount applied (Invoice discount model).")
class InvoiceDiscount:
    pass


@fabric_type(documents.ItemReturn, description="A return of part of a line item.")
class InvoiceItemReturn:
    pass


@fabric_type(
    documents.InvoiceItem, description="A line item of an invoiced order (InvoiceItem model)."
)
class InvoiceItem:
    pass


@fabric_type(
    documents.InvoiceOrder, description="An order covered by the invoice (InvoiceOrder model)."
)
class InvoiceOrder:
    pass
