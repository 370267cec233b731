"""Small value objects shared by several parts of an invoice: names, phones, addresses.

Their fields are the document model's (graph/types/fabric_shape.py).
"""

from graph.types.fabric_shape import fabric_type
from store.domain import documents


@fabric_type(documents.PersonName, description="A person's name.")
class PersonName:
    pass


@fabric_type(documents.Phone, description="A phone number with its kind.")
class Phone:
    pass


@fabric_type(documents.Contact, description="A contact at an address (Invoice contact model).")
class Contact:
    pass


@fabric_type(
    documents.InvoiceAddress,
    description="A postal address with its contacts (Invoice address model).",
)
class InvoiceAddress:
    pass
