"""The demo data's catalog: regions, cities, people's names, products, promotions, fees.

Plain reference data for planning and rendering; nothing here draws random numbers.
"""

from dataclasses import dataclass
from decimal import Decimal

from store.domain.enums import (
    InvoiceStatus,
    InvoiceType,
    SettlementStatusCode,
    StatusCode,
)


def words(text: str) -> tuple[str, ...]:
    """The space-separated words of `text`: long lists of names stay short in the source."""
    return tuple(text.split())


@dataclass(frozen=True)
class City:
    """A city customers live in; the region's store there fulfils their orders."""

    name: str
    state: str
    postal_code: str  # '#' stands for a random digit
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PaymentMethod:
    """How customers of a region pay, and which provider's tokens that yields."""

    method: str
    type: str
    provider: str
    token_prefix: str


@dataclass(frozen=True)
class Region:
    """A country's currency, taxes, channels, people, places and ways to pay."""

    code: str
    country: str
    currency: str
    price_factor: Decimal
    taxes: tuple[tuple[str, Decimal], ...]
    channels: tuple[str, ...]
    phone: str
    email_domains: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    street_format: str
    unit_format: str
    streets: tuple[str, ...]
    cities: tuple[City, ...]
    carriers: tuple[str, ...]
    payment_methods: tuple[PaymentMethod, ...]
    location_base: int


CARDS = (
    PaymentMethod("CREDIT_CARD", "VISA", "stripe", "pi_"),
    PaymentMethod("CREDIT_CARD", "MASTERCARD", "stripe", "pi_"),
)
EU_PAYMENTS = (
    PaymentMethod("CREDIT_CARD", "VISA", "adyen", "psp_"),
    PaymentMethod("CREDIT_CARD", "MASTERCARD", "adyen", "psp_"),
    PaymentMethod("KLARNA", "KLARNA", "klarna", "kl_"),
    PaymentMethod("PAYPAL", "PAYPAL", "paypal", "PAYID-"),
)
EU_CARRIERS = ("DHL", "DPD", "GLS")

REGIONS = (
    Region(
        code="US",
        country="USA",
        currency="USD",
        price_factor=Decimal("1"),
        taxes=(("STATE_TAX", Decimal("0.0625")), ("COUNTY_TAX", Decimal("0.02"))),
        channels=("12", "strate"),
        phone="+1 ### ### ####",
        email_domains=("gmail.com", "outlook.com", "yahoo.com", "icloud.com"),
        first_names=words(
            "James Mary Robert Patricia Michael Jennifer David Linda Olivia Ethan Sophia Noah "
            "Ava Liam Emma Mason Chloe"
        ),
        last_names=words(
            "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Lopez "
            "Wilson Anderson Taylor Moore Lee"
        ),
        street_format="{number} {street}",
        unit_format="Apt {number}",
        streets=("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Park Boulevard"),
        cities=(
            City("Beaumont", "TX", "777##", 30.0802, -94.1266),
            City("Austin", "TX", "787##", 30.2672, -97.7431),
            City("Seattle", "WA", "981##", 47.6062, -122.3321),
            City("Chicago", "IL", "606##", 41.8781, -87.6298),
            City("Denver", "CO", "802##", 39.7392, -104.9903),
            City("Brooklyn", "NY", "112##", 40.6782, -73.9442),
            City("Atlanta", "GA", "303##", 33.7490, -84.3880),
        ),
        carriers=("UPS", "FedEx", "USPS"),
        payment_methods=(
            *CARDS,
            PaymentMethod("CREDIT_CARD", "AMEX", "adyen", "psp_"),
            PaymentMethod("PAYPAL", "PAYPAL", "paypal", "PAYID-"),
            PaymentMethod("GIFT_CARD", "GIFT_CARD", "fabric", "gc_"),
        ),
        location_base=3200,
    ),
    Region(
        code="DE",
        country="DEU",
        currency="EUR",
        price_factor=Decimal("0.92"),
        taxes=(("VAT", Decimal("0.19")),),
        channels=("web-eu", "strate"),
        phone="+49 15# ########",
        email_domains=("gmx.de", "web.de", "gmail.com", "t-online.de"),
        first_names=words(
            "Lukas Anna Leon Mia Felix Lena Jonas Hannah Paul Marie Finn Sophie Emil Clara"
        ),
        last_names=words(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
            "Richter"
        ),
        street_format="{street} {number}",
        unit_format="Wohnung {number}",
        streets=("Hauptstraße", "Lindenallee", "Bahnhofstraße", "Gartenweg", "Schillerstraße"),
        cities=(
            City("Berlin", "BE", "101##", 52.5200, 13.4050),
            City("Hamburg", "HH", "200##", 53.5511, 9.9937),
            City("München", "BY", "803##", 48.1351, 11.5820),
            City("Köln", "NW", "506##", 50.9375, 6.9603),
            City("Frankfurt am Main", "HE", "603##", 50.1109, 8.6821),
        ),
        carriers=EU_CARRIERS,
        payment_methods=EU_PAYMENTS,
        location_base=4900,
    ),
    Region(
        code="FR",
        country="FRA",
        currency="EUR",
        price_factor=Decimal("0.92"),
        taxes=(("VAT", Decimal("0.20")),),
        channels=("web-eu",),
        phone="+33 6 ## ## ## ##",
        email_domains=("orange.fr", "free.fr", "gmail.com", "laposte.net"),
        first_names=words(
            "Louis Camille Gabriel Léa Raphaël Manon Arthur Chloé Jules Inès Hugo Zoé"
        ),
        last_names=words(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent"
        ),
        street_format="{number} {street}",
        unit_format="Appartement {number}",
        streets=("rue de la Paix", "avenue Victor Hugo", "rue Nationale", "boulevard Voltaire"),
        cities=(
            City("Paris", "IDF", "750##", 48.8566, 2.3522),
            City("Lyon", "ARA", "690##", 45.7640, 4.8357),
            City("Marseille", "PAC", "130##", 43.2965, 5.3698),
            City("Bordeaux", "NAQ", "330##", 44.8378, -0.5792),
            City("Lille", "HDF", "590##", 50.6292, 3.0573),
        ),
        carriers=("Colissimo", *EU_CARRIERS),
        payment_methods=EU_PAYMENTS,
        location_base=3300,
    ),
    Region(
        code="TR",
        country="TUR",
        currency="TRY",
        price_factor=Decimal("32"),
        taxes=(("VAT", Decimal("0.20")),),
        channels=("12",),
        phone="+90 5## ### ## ##",
        email_domains=("gmail.com", "hotmail.com", "yandex.com.tr", "outlook.com"),
        first_names=words(
            "Mehmet Ayşe Mustafa Fatma Ahmet Zeynep Emre Elif Can Şule Burak Merve Oğuz İrem"
        ),
        last_names=words(
            "Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Özdemir Arslan Doğan Koç"
        ),
        street_format="{street} No:{number}",
        unit_format="Daire {number}",
        streets=("Atatürk Caddesi", "Cumhuriyet Caddesi", "İstiklal Caddesi", "Gül Sokak"),
        cities=(
            City("İstanbul", "IST", "344##", 41.0082, 28.9784),
            City("Ankara", "ANK", "066##", 39.9334, 32.8597),
            City("İzmir", "IZM", "353##", 38.4237, 27.1428),
            City("Bursa", "BUR", "161##", 40.1885, 29.0610),
            City("Antalya", "ANT", "070##", 36.8969, 30.7133),
        ),
        carriers=("Yurtiçi Kargo", "Aras Kargo", "MNG Kargo"),
        payment_methods=(
            PaymentMethod("CREDIT_CARD", "VISA", "iyzico", "iyz_"),
            PaymentMethod("CREDIT_CARD", "MASTERCARD", "iyzico", "iyz_"),
            PaymentMethod("CREDIT_CARD", "TROY", "iyzico", "iyz_"),
        ),
        location_base=9000,
    ),
)
REGION_WEIGHTS = (50, 15, 15, 20)


@dataclass(frozen=True)
class Product:
    """A catalog product; sized products come in every size of `SIZES`."""

    stem: str
    title: str
    usd_price: Decimal
    sized: bool


PRODUCTS = tuple(
    Product(stem, title, Decimal(price), sized)
    for stem, title, price, sized in (
        ("TEE-ORG", "Organic cotton crew tee", "24", True),
        ("HOOD-FLC", "Fleece pullover hoodie", "58", True),
        ("JKT-RAIN", "Packable rain jacket", "129", True),
        ("JNS-SLM", "Slim fit denim jeans", "79", True),
        ("SNK-RUN", "Lightweight running sneaker", "110", True),
        ("SCK-MRN", "Merino hiking socks, 2 pack", "18", True),
        ("CAP-BSB", "Washed cotton baseball cap", "22", False),
        ("BAG-TOT", "Canvas tote bag", "35", False),
        ("BPK-DAY", "Everyday 20 L backpack", "89", False),
        ("BTL-INS", "Insulated water bottle 750 ml", "32", False),
        ("MUG-CER", "Stoneware coffee mug", "16", False),
        ("LMP-DSK", "LED desk lamp", "64", False),
        ("HDP-WRL", "Wireless over-ear headphones", "199", False),
        ("CBL-USC", "USB-C charging cable 2 m", "14", False),
        ("WLT-LTH", "Leather bifold wallet", "45", False),
        ("SUN-POL", "Polarized sunglasses", "95", False),
    )
)
COLORS = (("BLK", "black"), ("NVY", "navy"), ("WHT", "white"), ("OLV", "olive"), ("RED", "red"))
SIZES = ("XS", "S", "M", "L", "XL")


@dataclass(frozen=True)
class Promo:
    """A percentage-off promotion that discounts the lines it applies to."""

    id: str
    code: str
    title: str
    percent: int
    type: str


PROMOS = (
    Promo("SPRING23", "SPRING", "Spring sale 15% off", 15, "promotion"),
    Promo("BF2023", "BLACKFRIDAY", "Black Friday 25% off", 25, "promotion"),
    Promo("WELCOME10", "WELCOME10", "10% off a first order", 10, "coupon"),
    Promo("HNY2024", "HNY2024", "Happy New Year", 20, "promotion"),
    Promo("LOYAL5", "VIP5", "Loyalty members 5% off", 5, "loyalty"),
)
# (type, amount in USD, charged per unit)
FEES = (("SHIPPING", Decimal("5.99"), False), ("GIFT_WRAP", Decimal("4.99"), True))
ECO_FEE = ("ECO_FEE", Decimal("0.50"), True)


@dataclass(frozen=True)
class ShipMethod:
    """A way the orders reach the customer, and the days it takes to deliver."""

    name: str
    ship_to_type: str
    delivery_days: int


SHIP_METHODS = (
    ShipMethod("Standard Ground", "SHIP_TO_ADDRESS", 6),
    ShipMethod("Express Delivery", "SHIP_TO_ADDRESS", 3),
    ShipMethod("Next Day Air", "SHIP_TO_ADDRESS", 1),
    ShipMethod("Store Pickup", "BOPIS", 1),
)
RETURN_REASONS = ("DAMAGED", "WRONG_SIZE", "NOT_AS_DESCRIBED", "CHANGED_MIND", "ARRIVED_LATE")
APPEASEMENT_REASONS = (
    ("Incorrect Item", "Wrong color"),
    ("Late Delivery", "Late shipping"),
    ("Damaged Item", "Packaging damaged"),
    ("Price Adjustment", "Price match"),
    ("Customer Service", "Goodwill"),
)
# (auditType, fieldName, earlier values)
AUDITS = (
    ("STATUS_UPDATE", "invoiceStatus", ("DRAFT", "ISSUED", "CAPTURED")),
    ("ADDRESS_UPDATE", "shipToAddress.address2", ("Floor 2", "Suite 210", "")),
    ("UOM_UPDATE", "UOM", ("PK", "CS", "BX")),
    ("PAYMENT_UPDATE", "paymentStatus", ("AUTHORIZED", "PENDING")),
)
EMPLOYEES = tuple(f"62272e917b12209e6875{number:04x}" for number in range(0x1D90, 0x1D9C))
STATUS_WEIGHTS = {
    InvoiceType.SHIPPING: {
        InvoiceStatus.CAPTURED: 25,
        InvoiceStatus.SETTLED: 45,
        InvoiceStatus.PARTIAL_SETTLED: 8,
        InvoiceStatus.SETTLE_FAILED: 5,
        InvoiceStatus.ISSUED: 10,
        InvoiceStatus.DRAFT: 4,
        InvoiceStatus.DELETED: 3,
    },
    InvoiceType.RETURN: {
        InvoiceStatus.CREDITED: 55,
        InvoiceStatus.SETTLED: 15,
        InvoiceStatus.ISSUED: 15,
        InvoiceStatus.DRAFT: 8,
        InvoiceStatus.DELETED: 7,
    },
    InvoiceType.APPEASEMENT: {
        InvoiceStatus.CREDITED: 55,
        InvoiceStatus.SETTLED: 20,
        InvoiceStatus.ISSUED: 15,
        InvoiceStatus.DRAFT: 5,
        InvoiceStatus.DELETED: 5,
    },
}
STATUS_CODE_WEIGHTS = {StatusCode.CREATED: 15, StatusCode.POSTED: 25, StatusCode.ACKNOWLEDGED: 60}
SETTLEMENT_CODES = {
    InvoiceStatus.SETTLED: SettlementStatusCode.SETTLED,
    InvoiceStatus.CREDITED: SettlementStatusCode.SETTLED,
    InvoiceStatus.PARTIAL_SETTLED: SettlementStatusCode.PARTIAL_SETTLED,
    InvoiceStatus.SETTLE_FAILED: SettlementStatusCode.SETTLEMENT_FAILED,
}
PAYMENT_STATUSES = {
    InvoiceStatus.CAPTURED: "CAPTURED",
    InvoiceStatus.SETTLED: "SETTLED",
    InvoiceStatus.PARTIAL_SETTLED: "PARTIALLY_SETTLED",
    InvoiceStatus.SETTLE_FAILED: "FAILED",
    InvoiceStatus.DRAFT: "PENDING",
    InvoiceStatus.ISSUED: "AUTHORIZED",
    InvoiceStatus.CREDITED: "REFUNDED",
    InvoiceStatus.DELETED: "VOIDED",
}
ASCII = str.maketrans(
    {"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "ë": "e", "è": "e", "ï": "i", "ç": "c"}
    | {"ş": "s", "ğ": "g", "ı": "i", "İ": "I", "Ç": "C", "Ş": "S", "Ö": "O", "Ü": "U"}
)
TOKEN_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
