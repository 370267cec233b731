"""Payments of an invoiced order and their settlement.

Their fields are the document model's (graph/types/fabric_shape.py).
"""

import graph.types.common  # noqa: F401  # the address types payments nest
from graph.types.fabric_shape import fabric_type
from store.domain import documents


@fabric_type(
    documents.PaymentIdentifier, description="Masked identifier of the payment instrument."
)
class PaymentIdentifier:
    pass


@fabric_type(documents.PaymentToken, description="Token of a payment at its provider.")
class PaymentToken:
    pass


@fabric_type(
    documents.Settlement, description="Settlement of a payment (Invoice settlement model)."
)
class InvoiceSettlement:
    pass


@fabric_type(
    documents.InvoicePayment,
    description="A payment for the invoiced order (InvoicePayment model).",
)
class InvoicePayment:
    pass
