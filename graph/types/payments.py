"""Payments of an invoiced order and their settlement."""

import strawberry

from graph.types.common import InvoiceAddress
from graph.types.enums import SettlementStatusCode
from graph.types.scalars import JSON, DateTime, Decimal


@strawberry.type(description="Masked identifier of the payment instrument.")
class PaymentIdentifier:
    cardIdentifier: str | None = strawberry.field(description="Masked card number.")


@strawberry.type(description="Token of a payment at its provider.")
class PaymentToken:
    token: str | None = strawberry.field(description="The provider's payment token.")
    paymentType: str | None = strawberry.field(description="Payment type, e.g. VISA.")


@strawberry.type(description="Settlement of a payment (Invoice settlement model).")
class InvoiceSettlement:
    settlementDate: DateTime | None = strawberry.field(description="When it was settled.")
    settlementStatusCode: SettlementStatusCode | None = strawberry.field(
        description="Outcome of the settlement."
    )
    settlementAmount: Decimal | None = strawberry.field(description="Amount settled.")
    attributes: JSON | None = strawberry.field(description="Free-form settlement attributes.")


@strawberry.type(description="A payment for the invoiced order (InvoicePayment model).")
class InvoicePayment:
    paymentCounter: int | None = strawberry.field(description="Sequence number of the payment.")
    paymentDate: DateTime | None = strawberry.field(description="When the payment was made.")
    billToId: str | None = strawberry.field(description="Id of the bill-to party.")
    paymentIdentifier: PaymentIdentifier | None = strawberry.field(
        description="Invoice payment identifier."
    )
    paymentProvider: str | None = strawberry.field(description="Payment provider, e.g. stripe.")
    paymentToken: PaymentToken | None = strawberry.field(description="Invoice payment token.")
    paymentMethod: str | None = strawberry.field(description="Payment method, e.g. CREDIT_CARD.")
    paymentType: str | None = strawberry.field(description="Payment type, e.g. VISA.")
    currency: str | None = strawberry.field(description="Currency of the payment.")
    conversion: Decimal | None = strawberry.field(
        description="Conversion rate into the invoice currency."
    )
    paymentStatus: str | None = strawberry.field(description="Status of the payment.")
    attributes: JSON | None = strawberry.field(description="Free-form payment attributes.")
    billToAddress: InvoiceAddress | None = strawberry.field(description="Billing address.")
    settlement: InvoiceSettlement | None = strawberry.field(description="Invoice settlement.")
    authAmount: Decimal | None = strawberry.field(description="Amount authorized.")
