"""Invoices stored directly in a chosen lifecycle state, for the mutation tests to start from."""

import itertools
from typing import Any

from seeds.fabric import fabric_invoice
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus, StatusCode
from store.invoices import Scope
from tests.conftest import GraphQLClient

_numbers = itertools.count(1)


async def stored_invoice(
    client: GraphQLClient,
    status: InvoiceStatus | None = InvoiceStatus.ISSUED,
    code: StatusCode | None = StatusCode.CREATED,
    account: str = "demo",
    **fields: Any,
) -> Invoice:
    """A minimal valid invoice in this state, stored as ingest would store it (version 1)."""
    number = f"T-{next(_numbers)}"
    record: dict[str, Any] = {
        "invoiceNumber": number,
        "invoiceTotal": "10.00",
        "invoiceDate": "2024-03-01T10:00:00Z",
        "channelId": "web",
        **fields,
    }
    if status is not None:
        record["invoiceStatus"] = status.value
    if code is not None:
        record["statusCode"] = code.value
    invoice = fabric_invoice(record, account, source_system="test")
    await client.invoices.scoped(Scope(account)).insert(invoice)
    return invoice


async def reread(client: GraphQLClient, invoice: Invoice) -> Invoice:
    """The invoice as stored now, deleted or not."""
    scoped = client.invoices.scoped(Scope(invoice.account)).including_deleted()
    found = await scoped.get(invoice.invoiceId)
    assert found is not None
    return found
