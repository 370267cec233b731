"""The fabric enumerations (store.enums), registered as GraphQL enums.

Importing this module registers them; types then annotate with the store's enum classes.
"""

import strawberry

from store.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
    StatusCode,
)

strawberry.enum(
    InvoiceStatus, description="Settlement state of the invoice (fabric InvoiceStatus)."
)
strawberry.enum(InvoiceType, description="What the invoice is for (fabric InvoiceType).")
strawberry.enum(
    StatusCode,
    description=(
        "Delivery state of the invoice: CREATED (generated), POSTED (sent on to the "
        "merchant's webhook), ACKNOWLEDGED (the merchant confirmed it)."
    ),
)
strawberry.enum(SettlementStatusCode, description="Outcome of a payment's settlement.")
strawberry.enum(OrderType, description="Channel the order was placed on.")
strawberry.enum(OrderSubType, description="Refinement of the order type.")
strawberry.enum(PickupType, description="Whether a pickup person is the primary or an alternate.")

__all__ = [
    "InvoiceStatus",
    "InvoiceType",
    "OrderSubType",
    "OrderType",
    "PickupType",
    "SettlementStatusCode",
    "StatusCode",
]
