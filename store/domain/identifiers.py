"""Fresh ids for invoices and audit entries: 24 hex digits, in the style of fabric's.

fabric's ids are MongoDB ObjectIds; random ones never collide in practice and reveal
neither a time nor a machine.
"""

import secrets


def new_invoice_id() -> str:
    """A fresh invoiceId."""
    return secrets.token_hex(12)


def new_audit_id() -> str:
    """A fresh auditId; the event of the change carries the same."""
    return secrets.token_hex(12)
