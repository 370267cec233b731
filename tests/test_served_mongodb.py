"""`invoicegraph serve --mongodb-uri` as a process on a MongoDB-speaking server.

The production path end to end: the CLI, start-up (demo data, indexes), PyMongo's async
client over a socket, and answers over HTTP. The server is the session's (tests/wire_server.py),
each test in a database of its own.
"""

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bench.processes import running_invoicegraph
from seeds.demo import generate_demo_invoices
from store.client import open_database
from store.domain.enums import InvoiceStatus
from tests.remote_client import RemoteGraphQL

pytestmark = pytest.mark.mongodb

REFERENCE_INVOICE = '{ invoice(invoiceId: "62ff5c0bec0aed3c86202c32") { invoiceNumber } }'
COUNT = "{ invoices(first: 1) { totalCount } }"
KEYS = [
    {"key": "demo-reader-key", "account": "demo", "scopes": ["read"], "name": "demo-reader"},
    {"key": "acme-reader-key", "account": "acme", "scopes": ["read"], "name": "acme-reader"},
]
# Mongoeco's stand-in builds compound unique indexes in quadratic time (docs/drivers.md).
DEMO_INVOICES_PER_ACCOUNT = 20


@pytest.fixture
async def database_name(mongodb_uri: str) -> AsyncIterator[str]:
    name = f"invoicegraph_test_served_{uuid.uuid4().hex[:8]}"
    yield name
    database = open_database(mongodb_uri, name)
    try:
        await database.drop()
    finally:
        await database.close()


def server_env(database: str) -> dict[str, str]:
    return {
        "INVOICEGRAPH_DATABASE": database,
        "INVOICEGRAPH_API_KEYS": json.dumps(KEYS),
        "INVOICEGRAPH_DEMO_INVOICES_PER_ACCOUNT": str(DEMO_INVOICES_PER_ACCOUNT),
        # The stand-in is pure Python, sharing a loaded machine: not production's 5 s.
        "INVOICEGRAPH_DATABASE_TIMEOUT_MS": "30000",
    }


async def total(client: RemoteGraphQL) -> int:
    count: int = (await client.data(COUNT))["invoices"]["totalCount"]
    return count


@pytest.mark.parametrize("demo_data", [True, False], ids=["demo-data", "empty"])
async def test_serve_starts_on_the_mongodb_server_and_answers(
    mongodb_uri: str, database_name: str, tmp_path: Path, demo_data: bool
) -> None:
    env = {**server_env(database_name), "INVOICEGRAPH_DEMO_DATA": str(demo_data).lower()}
    async with (
        running_invoicegraph(tmp_path / "server.log", "--mongodb-uri", mongodb_uri, env=env) as s,
        aiohttp.ClientSession() as session,
    ):
        demo = RemoteGraphQL(session, s.url, "demo-reader-key")
        acme = RemoteGraphQL(session, s.url, "acme-reader-key")
        reference = (await demo.data(REFERENCE_INVOICE))["invoice"]
        if demo_data:
            assert reference == {"invoiceNumber": "23940791"}
            generated = generate_demo_invoices(per_account=DEMO_INVOICES_PER_ACCOUNT)
            readable = [i for i in generated if i.invoiceStatus is not InvoiceStatus.DELETED]
            assert await total(acme) == sum(i.account == "acme" for i in readable)
            assert await total(demo) > DEMO_INVOICES_PER_ACCOUNT  # and the reference records
        else:
            assert reference is None
            assert await total(acme) == await total(demo) == 0
