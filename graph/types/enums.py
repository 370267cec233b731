"""fabric's enumerations (store.domain.enums) as GraphQL enums, every value described.

Importing this module registers them; types then annotate with the store's enum classes.
"""

from graph.types.described_enum import described_enum
from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    OrderSubType,
    OrderType,
    PickupType,
    SettlementStatusCode,
    StatusCode,
)

described_enum(
    InvoiceStatus,
    description=(
        "Settlement state of the invoice (fabric InvoiceStatus); docs/lifecycle.md has the "
        "moves allowed between them."
    ),
    values={
        InvoiceStatus.DRAFT: "Being prepared: not issued to the customer, not sent on.",
        InvoiceStatus.ISSUED: "Issued to the customer; no payment captured yet.",
        InvoiceStatus.CAPTURED: "The payment was captured and awaits settlement.",
        InvoiceStatus.PARTIAL_SETTLED: "Part of the captured amount has settled.",
        InvoiceStatus.SETTLED: "The whole amount settled.",
        InvoiceStatus.SETTLE_FAILED: "Settlement of the captured payment failed.",
        InvoiceStatus.CREDITED: "Cancelled or refunded by a credit: financially closed.",
        InvoiceStatus.DELETED: (
            "Soft-deleted: no longer changes, and reads leave it out unless a filter asks "
            "for DELETED by name."
        ),
    },
)
described_enum(
    InvoiceType,
    description="What the invoice is for (fabric InvoiceType).",
    values={
        InvoiceType.SHIPPING: "Bills goods shipped to the customer.",
        InvoiceType.RETURN: "Credits goods the customer returned.",
        InvoiceType.APPEASEMENT: (
            "Credits a goodwill amount (e.g. for a late shipment) without a return."
        ),
    },
)
described_enum(
    StatusCode,
    description="Delivery state of the invoice to the merchant (fabric statusCode).",
    values={
        StatusCode.CREATED: "Generated, not yet sent on to the merchant.",
        StatusCode.POSTED: "Sent on to the merchant's webhook (invoicePost); postedAt says when.",
        StatusCode.ACKNOWLEDGED: (
            "The merchant confirmed receipt (invoiceAcknowledge); acknowledgedAt says when."
        ),
    },
)
described_enum(
    SettlementStatusCode,
    description="Outcome of a payment's settlement.",
    values={
        SettlementStatusCode.SETTLED: "The payment settled in full.",
        SettlementStatusCode.PARTIAL_SETTLED: "Only part of the payment has settled.",
        SettlementStatusCode.SETTLEMENT_FAILED: "The settlement failed.",
    },
)
described_enum(
    OrderType,
    description="Channel the order was placed on.",
    values={
        OrderType.WEB: "The web storefront.",
        OrderType.CSC: "The customer service center, on the customer's behalf.",
        OrderType.MOBILE_APP: "A mobile app.",
        OrderType.POS: "A point of sale in a store.",
    },
)
described_enum(
    OrderSubType,
    description="Refinement of the order type.",
    values={
        OrderSubType.IOS: "Placed from an iOS device.",
        OrderSubType.Android: "Placed from an Android device.",
        OrderSubType.International: "An international order (shipped abroad).",
    },
)
described_enum(
    PickupType,
    description="Whether a pickup person is the primary or an alternate.",
    values={
        PickupType.Primary: "The person expected to pick the order up.",
        PickupType.Alternate: "Someone else allowed to pick the order up.",
    },
)

__all__ = [
    "InvoiceStatus",
    "InvoiceType",
    "OrderSubType",
    "OrderType",
    "PickupType",
    "SettlementStatusCode",
    "StatusCode",
]
