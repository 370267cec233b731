"""Two tenants with look-alike invoices, and the ways a request can reach the server.

Both accounts hold invoices with the same invoiceIds, numbers and order ids; each
invoice carries a marker `<account>-c<channel>` in its customer email, its SKU and its
attributes, so a response shows whose data it holds.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from invoicegraph.app import RESOURCES
from invoicegraph.settings import ApiKeyConfig
from seeds.fabric import fabric_invoice
from store.domain.documents import Invoice
from store.invoices import Scope
from store.persisted_documents import PersistedDocuments, TrustedDocument
from tests.conftest import TEST_KEYS, GraphQLClient

ALL_SCOPES = ["read", "write", "ingest"]
TENANT_KEYS = [
    ApiKeyConfig(key="acme-all-key", account="acme", scopes=ALL_SCOPES, name="acme-all"),
    ApiKeyConfig(key="globex-all-key", account="globex", scopes=ALL_SCOPES, name="globex-all"),
]
SERVE_KEYS = [*TEST_KEYS, *TENANT_KEYS]

TOTALS = {"acme": "101.01", "globex": "202.02"}


@dataclass(frozen=True)
class InvoiceSpec:
    invoice_id: str
    channel: str
    invoice_type: str = "SHIPPING"

    @property
    def number(self) -> str:
        return self.invoice_id.replace("INV", "N")


SHIPPING_C1 = InvoiceSpec("INV-1", "1")
RETURN_C1 = InvoiceSpec("INV-2", "1", "RETURN")
SHIPPING_C2 = InvoiceSpec("INV-3", "2")
RETURN_C2 = InvoiceSpec("INV-9", "2", "RETURN")
"""All four cover order ORD-1, so relatedInvoices would cross any boundary it ignored."""

CHANNEL_ONE = [SHIPPING_C1, RETURN_C1]
EVERY_SPEC = [SHIPPING_C1, RETURN_C1, SHIPPING_C2, RETURN_C2]


def marker(account: str, channel: str) -> str:
    return f"{account}-c{channel}"


def invoice(account: str, spec: InvoiceSpec) -> Invoice:
    total, mark = TOTALS[account], marker(account, spec.channel)
    return fabric_invoice(
        {
            "invoiceId": spec.invoice_id,
            "invoiceNumber": spec.number,
            "invoiceStatus": "CAPTURED",
            "invoiceType": spec.invoice_type,
            "invoiceDate": f"2024-05-0{spec.invoice_id[-1]}T10:00:00Z",
            "createdAt": f"2024-05-0{spec.invoice_id[-1]}T10:00:00Z",
            "statusCode": "CREATED",
            "channelId": spec.channel,
            "invoiceTotal": total,
            "currency": "USD",
            "customer": {"email": f"buyer@{mark}.example"},
            "orders": [
                {
                    "orderId": "ORD-1",
                    "orderNumber": "ON-1",
                    "invoiceOrderTotal": total,
                    "items": [{"sku": f"SKU-{mark}", "invoiceLineTotal": total}],
                }
            ],
            "attributes": {"marker": mark},
        },
        account,
    )


async def seed(client: GraphQLClient, account: str, specs: list[InvoiceSpec]) -> None:
    for spec in specs:
        # Inserted by the invoice's own channel scope, as an ingest with that channel would.
        await client.invoices.scoped(Scope(account, spec.channel)).insert_many(
            [invoice(account, spec)]
        )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def trust(client: GraphQLClient, documents: list[str]) -> None:
    """Register documents as trusted, so every account can run them by hash or documentId."""
    database = client.http.app[RESOURCES].database
    assert database is not None
    await PersistedDocuments(database).trust(
        [TrustedDocument(sha256(text), text) for text in documents]
    )


@dataclass(frozen=True)
class Caller:
    """A key and the headers it sends."""

    key: str
    site_context: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def request_headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}", **self.headers}
        if self.site_context is not None:
            headers["x-site-context"] = orjson.dumps(self.site_context).decode()
        return headers


TRANSPORTS = ("POST query", "POST apq", "POST documentId", "GET query", "GET apq", "GET documentId")
"""Every way a request names its document: text, APQ hash, documentId; by POST and by GET."""


async def send(
    client: GraphQLClient,
    caller: Caller,
    document: str,
    variables: dict[str, Any] | None = None,
    transport: str = "POST query",
) -> tuple[int, dict[str, Any]]:
    """One request through one transport; documents named by hash must be trusted first."""
    method, _, naming = transport.partition(" ")
    params: dict[str, Any] = {"variables": variables} if variables else {}
    if naming == "query":
        params["query"] = document
    elif naming == "apq":
        params["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}
    else:
        params["documentId"] = f"sha256:{sha256(document)}"
    headers = caller.request_headers()
    if method == "POST":
        response = await client.http.post("/graphql", json=params, headers=headers)
    else:
        query = {
            name: value if isinstance(value, str) else orjson.dumps(value).decode()
            for name, value in params.items()
        }
        response = await client.http.get("/graphql", params=query, headers=headers)
    return response.status, await response.json()
