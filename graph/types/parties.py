"""Who and where: customer, shipping and pickup, retail location, audit trail.

Their fields are the document model's (graph/types/fabric_shape.py).
"""

import graph.types.orders  # noqa: F401  # the types these nest (taxes, payment tokens, addresses)
from graph.types.fabric_shape import fabric_type
from store.domain import documents


@fabric_type(documents.Customer, description="The invoiced customer (InvoiceCustomer model).")
class InvoiceCustomer:
    pass


@fabric_type(
    documents.UpdatedField,
    description="A field changed by an audited action, with its previous value.",
)
class UpdatedField:
    pass


@fabric_type(
    documents.AuditLog, description="An entry of the invoice's audit trail (OrderAuditLog model)."
)
class OrderAuditLog:
    pass


@fabric_type(
    documents.Pickup, description="A person who may pick the shipment up (OrderPickup model)."
)
class OrderPickup:
    pass


@fabric_type(documents.ShipToAddress, description="Where the shipment goes (OrderAddress model).")
class OrderAddress:
    pass


@fabric_type(
    documents.ShipInfo, description="Shipping details of the invoice (OrderShipInfo model)."
)
class OrderShipInfo:
    pass


@fabric_type(documents.Retail, description="Retail store details of an in-store invoice.")
class InvoiceRetail:
    pass


@fabric_type(
    documents.InvoiceLocation, description="The invoice's location (Invoice location model)."
)
class InvoiceLocation:
    pass
