"""The enumerations of fabric's invoice model, as listed in its reference."""

from enum import Enum


class InvoiceStatus(Enum):
    CAPTURED = "CAPTURED"
    SETTLED = "SETTLED"
    SETTLE_FAILED = "SETTLE_FAILED"
    PARTIAL_SETTLED = "PARTIAL_SETTLED"
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    CREDITED = "CREDITED"
    DELETED = "DELETED"


class InvoiceType(Enum):
    RETURN = "RETURN"
    SHIPPING = "SHIPPING"
    APPEASEMENT = "APPEASEMENT"


class StatusCode(Enum):
    CREATED = "CREATED"
    POSTED = "POSTED"
    ACKNOWLEDGED = "ACKNOWLEDGED"


class SettlementStatusCode(Enum):
    SETTLED = "SETTLED"
    PARTIAL_SETTLED = "PARTIAL_SETTLED"
    SETTLEMENT_FAILED = "SETTLEMENT_FAILED"


class OrderType(Enum):
    WEB = "WEB"
    CSC = "CSC"
    MOBILE_APP = "MOBILE_APP"
    POS = "POS"


class OrderSubType(Enum):
    IOS = "IOS"
    Android = "Android"
    International = "International"


class PickupType(Enum):
    Primary = "Primary"
    Alternate = "Alternate"
