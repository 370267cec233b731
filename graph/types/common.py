"""Small value objects shared by several parts of an invoice: names, phones, addresses."""

import strawberry


@strawberry.type(description="A person's name.")
class PersonName:
    first: str | None = strawberry.field(description="First name.")
    middle: str | None = strawberry.field(description="Middle name.")
    last: str | None = strawberry.field(description="Last name.")


@strawberry.type(description="A phone number with its kind.")
class Phone:
    number: str | None = strawberry.field(description="The phone number.")
    type: str | None = strawberry.field(description="Kind of number, e.g. MOBILE.")


@strawberry.type(description="A contact at an address (Invoice contact model).")
class Contact:
    type: str | None = strawberry.field(description="Kind of contact.")
    email: str | None = strawberry.field(description="Email address of the contact.")
    phone: list[Phone] | None = strawberry.field(description="Phone numbers of the contact.")
    name: PersonName | None = strawberry.field(description="Name of the contact.")


@strawberry.type(description="A postal address with its contacts (Invoice address model).")
class InvoiceAddress:
    addressLine1: str | None = strawberry.field(description="First address line.")
    addressLine2: str | None = strawberry.field(description="Second address line.")
    addressLine3: str | None = strawberry.field(description="Third address line.")
    addressLine4: str | None = strawberry.field(description="Fourth address line.")
    city: str | None = strawberry.field(description="City.")
    state: str | None = strawberry.field(description="State or province.")
    country: str | None = strawberry.field(description="Country.")
    postalCode: str | None = strawberry.field(description="Postal code.")
    type: str | None = strawberry.field(description="Kind of address.")
    contact: list[Contact] | None = strawberry.field(description="Contacts at this address.")
