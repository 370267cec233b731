"""Who and where: customer, shipping and pickup, retail location, audit trail."""

import strawberry

from graph.types.common import InvoiceAddress, PersonName, Phone
from graph.types.enums import PickupType
from graph.types.orders import InvoiceTaxDetail
from graph.types.payments import PaymentToken
from graph.types.scalars import JSON, DateTime, Decimal


@strawberry.type(description="The invoiced customer (InvoiceCustomer model).")
class InvoiceCustomer:
    name: PersonName | None = strawberry.field(description="Name of the customer.")
    email: str | None = strawberry.field(description="Email of the customer.")
    phone: Phone | None = strawberry.field(description="Phone of the customer.")
    userId: str | None = strawberry.field(description="User id of the customer.")
    accountId: str | None = strawberry.field(description="Account id such as a loyalty accountId.")
    employeeId: str | None = strawberry.field(
        description="Employee id used when the customer is the employee himself."
    )
    company: str | None = strawberry.field(description="Company of the customer.")
    address: InvoiceAddress | None = strawberry.field(description="Address of the customer.")


@strawberry.type(description="A field changed by an audited action, with its previous value.")
class UpdatedField:
    fieldName: str | None = strawberry.field(description="Name of the changed field.")
    fieldOriginalValue: str | None = strawberry.field(
        description="Value before the change (JSON text for non-text values)."
    )


@strawberry.type(description="An entry of the invoice's audit trail (OrderAuditLog model).")
class OrderAuditLog:
    lineItemId: str | None = strawberry.field(description="Line item the action concerned.")
    auditId: str | None = strawberry.field(description="Id of the audit entry.")
    auditType: str | None = strawberry.field(description="Kind of action audited.")
    employeeId: str | None = strawberry.field(description="Employee or API key that acted.")
    auditTimestamp: DateTime | None = strawberry.field(description="When the action happened.")
    source: str | None = strawberry.field(description="Where the action came from, e.g. POS.")
    reasonCode: str | None = strawberry.field(description="Reason for the action.")
    subReasonCode: str | None = strawberry.field(description="Refinement of the reason.")
    policyCode: str | None = strawberry.field(description="Policy applied.")
    note: str | None = strawberry.field(description="Free-text note.")
    lineItemNumber: int | None = strawberry.field(description="Number of the line concerned.")
    sku: str | None = strawberry.field(description="SKU concerned.")
    quantity: int | None = strawberry.field(description="Quantity concerned.")
    amount: Decimal | None = strawberry.field(description="Amount concerned.")
    paymentToken: PaymentToken | None = strawberry.field(description="Payment token concerned.")
    success: bool | None = strawberry.field(description="Whether the action succeeded.")
    paymentResponse: JSON | None = strawberry.field(description="Raw payment provider response.")
    updatedFields: list[UpdatedField] | None = strawberry.field(
        description="Fields the action changed, with their previous values."
    )
    attributes: JSON | None = strawberry.field(description="Free-form attributes of the entry.")


@strawberry.type(description="A person who may pick the shipment up (OrderPickup model).")
class OrderPickup:
    name: PersonName | None = strawberry.field(description="Name of the pickup person.")
    email: str | None = strawberry.field(description="Email of the pickup person.")
    phone: Phone | None = strawberry.field(description="Phone of the pickup person.")
    pickupType: PickupType | None = strawberry.field(description="Primary or alternate person.")


@strawberry.type(description="Where the shipment goes (OrderAddress model).")
class OrderAddress:
    name: PersonName | None = strawberry.field(description="Name of the recipient.")
    email: str | None = strawberry.field(description="Email of the recipient.")
    phone: Phone | None = strawberry.field(description="Phone of the recipient.")
    address1: str | None = strawberry.field(description="First address line.")
    address2: str | None = strawberry.field(description="Second address line.")
    address3: str | None = strawberry.field(description="Third address line.")
    address4: str | None = strawberry.field(description="Fourth address line.")
    city: str | None = strawberry.field(description="City.")
    state: str | None = strawberry.field(description="State or province.")
    country: str | None = strawberry.field(description="Country.")
    postalCode: str | None = strawberry.field(description="Postal code.")
    type: str | None = strawberry.field(description="Kind of address, e.g. residence.")
    latitude: float | None = strawberry.field(description="Latitude of the address.")
    longitude: float | None = strawberry.field(description="Longitude of the address.")


@strawberry.type(description="Shipping details of the invoice (OrderShipInfo model).")
class OrderShipInfo:
    shipToId: str | None = strawberry.field(description="Id of the ship-to.")
    taxCode: str | None = strawberry.field(description="Tax code of the shipment.")
    locationNum: str | None = strawberry.field(
        description="Location number used for BOPIS to identify the pickup store."
    )
    pickup: list[OrderPickup] | None = strawberry.field(description="People who may pick up.")
    shipToAddress: OrderAddress | None = strawberry.field(description="Shipping address.")
    taxDetail: list[InvoiceTaxDetail] | None = strawberry.field(
        description="Taxes on the shipment."
    )
    shipMethod: str | None = strawberry.field(description="Shipping method.")
    shipToType: str | None = strawberry.field(description="Kind of ship-to, e.g. SHIP_TO_ADDRESS.")
    estimatedShipDate: DateTime | None = strawberry.field(description="Estimated ship date.")
    estimatedDeliveryDate: DateTime | None = strawberry.field(
        description="Estimated delivery date."
    )
    shipToPrice: Decimal | None = strawberry.field(description="Price of shipping.")
    shipToDiscount: Decimal | None = strawberry.field(description="Discount on shipping.")
    shipToTaxTotal: Decimal | None = strawberry.field(description="Tax on shipping.")
    shipmentInstructions: str | None = strawberry.field(description="Instructions for shipping.")
    attributes: JSON | None = strawberry.field(description="Free-form shipping attributes.")


@strawberry.type(description="Retail store details of an in-store invoice.")
class InvoiceRetail:
    locationNum: int | None = strawberry.field(description="Number of the store location.")
    cashierId: str | None = strawberry.field(description="Cashier who handled the sale.")


@strawberry.type(description="The invoice's location (Invoice location model).")
class InvoiceLocation:
    locationNum: int | None = strawberry.field(
        description="Location number in case of invoice type Shipment."
    )
    address: InvoiceAddress | None = strawberry.field(description="Address of the location.")
