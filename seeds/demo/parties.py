"""Rendering the people and places of a sale: the customer, addresses, the store that
fulfilled it and how it was shipped."""

from datetime import timedelta

from seeds.demo.amounts import ZERO, totals_by_type
from seeds.demo.catalog import Region
from seeds.demo.planning import Person, Sale
from store.domain.documents import (
    Contact,
    Customer,
    InvoiceAddress,
    InvoiceLocation,
    PersonName,
    Phone,
    Pickup,
    ShipInfo,
    ShipToAddress,
)
from store.domain.enums import PickupType


def _name(person: Person) -> PersonName:
    """The person's name as fabric's name object."""
    return PersonName(first=person.first, last=person.last)


def _phone(person: Person) -> Phone:
    """The person's mobile number."""
    return Phone(number=person.phone, type="MOBILE")


def address_of(person: Person, kind: str) -> InvoiceAddress:
    """The person's address, with the person as its contact."""
    city = person.city
    return InvoiceAddress(
        addressLine1=person.street,
        addressLine2=person.unit,
        city=city.name,
        state=city.state,
        country=person.region.country,
        postalCode=person.postal_code,
        type=kind,
        contact=[
            Contact(type=kind, email=person.email, phone=[_phone(person)], name=_name(person))
        ],
    )


def customer_of(sale: Sale) -> Customer:
    """The buyer, and the agent who took the order when it came through customer service."""
    person = sale.person
    return Customer(
        name=_name(person),
        email=person.email,
        phone=_phone(person),
        userId=person.user_id,
        accountId=person.account_id,
        employeeId=sale.employee_id,
        company=person.company,
        address=address_of(person, "BILLING"),
    )


def store_location(region: Region, city_index: int) -> InvoiceLocation:
    """The store that fulfils orders in the customer's city; its address never changes."""
    city = region.cities[city_index]
    return InvoiceLocation(
        locationNum=region.location_base + city_index,
        address=InvoiceAddress(
            addressLine1=region.street_format.format(
                number=10 + 7 * city_index, street=region.streets[city_index % len(region.streets)]
            ),
            city=city.name,
            state=city.state,
            country=region.country,
            postalCode=city.postal_code.replace("#", "0"),
            type="STORE",
        ),
    )


def ship_info_of(sale: Sale) -> ShipInfo:
    """Where and how the sale's orders went: the address, who may pick up, the carrier."""
    person, method = sale.person, sale.ship_method
    pickup = [
        Pickup(
            name=_name(person),
            email=person.email,
            phone=_phone(person),
            pickupType=PickupType.Primary,
        )
    ]
    if sale.alternate_pickup:
        first, last = sale.alternate_pickup
        pickup.append(
            Pickup(name=PersonName(first=first, last=last), pickupType=PickupType.Alternate)
        )
    city = person.city
    fees = totals_by_type(fee for order in sale.orders for line in order.lines for fee in line.fees)
    return ShipInfo(
        shipToId=sale.ship_to_id,
        taxCode=f"{person.region.code}{person.city_index + 1:02d}",
        locationNum=str(sale.location_num),
        pickup=pickup,
        shipToAddress=ShipToAddress(
            name=_name(person),
            email=person.email,
            phone=_phone(person),
            address1=person.street,
            address2=person.unit,
            city=city.name,
            state=city.state,
            country=person.region.country,
            postalCode=person.postal_code,
            type="business" if person.company else "residence",
            latitude=person.latitude,
            longitude=person.longitude,
        ),
        shipMethod=method.name,
        shipToType=method.ship_to_type,
        estimatedShipDate=sale.orders[-1].ordered_at + timedelta(days=1),
        estimatedDeliveryDate=sale.shipped_at + timedelta(days=method.delivery_days),
        shipToPrice=dict(fees).get("SHIPPING", ZERO),
        shipToDiscount=ZERO,
        shipmentInstructions=sale.instructions,
        attributes={"carrier": sale.carrier, "trackingNumber": sale.tracking_number},
    )
