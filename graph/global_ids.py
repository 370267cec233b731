"""Relay global ids: an object's type and id in one opaque text (`node(id:)`, `Invoice.id`)."""

import base64

INVOICE_NODE_PREFIX = "Invoice:"


def invoice_global_id(invoice_id: str) -> str:
    return base64.urlsafe_b64encode(f"{INVOICE_NODE_PREFIX}{invoice_id}".encode()).decode()


def invoice_id_from_global_id(global_id: str) -> str | None:
    """The invoiceId inside a global id, or None when it is not an invoice's id."""
    try:
        text = base64.urlsafe_b64decode(global_id.encode() + b"==").decode()
    except (ValueError, UnicodeError):
        return None
    if not text.startswith(INVOICE_NODE_PREFIX):
        return None
    return text.removeprefix(INVOICE_NODE_PREFIX) or None
