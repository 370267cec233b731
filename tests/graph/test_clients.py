"""Real clients against the served app: Apollo Client with its persisted-queries link, and gql."""

import json
from pathlib import Path
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError

from invoicegraph.app import RESOURCES
from invoicegraph.settings import ApiKeyConfig
from seeds.ingest import ingest_records
from seeds.sources import read_records
from store.invoices import Scope
from store.persisted_documents import PersistedDocuments
from tests.conftest import TEST_KEYS, GraphQLClient, ServeFactory
from tests.graph.node_scripts import run_node

EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "fabric-example.json"
EXAMPLE_ID = "62ff5c0bec0aed3c86202c32"
PARTNER = ApiKeyConfig(
    key="partner-apollo-key", account="demo", scopes=["read", "persisted-only"], name="partner"
)
LOOK_UP = """
query LookUp($invoiceId: ID!) {
  invoice(invoiceId: $invoiceId) {
    invoiceNumber
    invoiceTotal
    orders { items { sku } }
  }
}
"""
PAGE = "query Page($first: Int) { invoices(first: $first) { totalCount } }"


async def serve_with_example(serve: ServeFactory, **overrides: Any) -> GraphQLClient:
    client = await serve(**overrides)
    report = await ingest_records(read_records(EXAMPLE), client.invoices.scoped(Scope("demo")))
    assert report.stored == 1
    return client


def url(client: GraphQLClient) -> str:
    return str(client.http.make_url("/graphql"))


def by_name(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {result["name"]: result for result in results}


async def test_apollo_persisted_link_registers_then_runs_by_hash(serve: ServeFactory) -> None:
    client = await serve_with_example(serve)
    persisted = client.http.app[RESOURCES].persisted
    assert persisted is not None

    first = by_name(
        await run_node(
            "apollo-client.mjs", "run", url(client), "demo-key", "CountInvoices", "LookUp"
        )
    )
    assert first["CountInvoices"]["error"] is None
    assert first["CountInvoices"]["data"]["invoices"]["totalCount"] == 1
    assert first["LookUp"]["data"]["invoice"]["invoiceNumber"] == "23940791"
    # Each hash was unknown once (one store lookup each), then registered with its text.
    assert (persisted.hits, persisted.misses) == (0, 2)
    manifest = await run_node("apollo-client.mjs", "manifest")
    database = client.http.app[RESOURCES].database
    assert database is not None
    for operation in manifest["operations"]:
        stored = await PersistedDocuments(database).find(operation["id"])
        assert stored is not None
        assert stored.body == operation["body"]
        assert stored.accounts == {"demo"}

    # A new client process: hash-only requests now run from the server's cache.
    second = by_name(
        await run_node(
            "apollo-client.mjs", "run", url(client), "demo-key", "CountInvoices", "LookUp"
        )
    )
    assert second == first
    assert (persisted.hits, persisted.misses) == (2, 2)


async def test_apollo_with_persisted_only_key_runs_trusted_operations_only(
    serve: ServeFactory, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(await run_node("apollo-client.mjs", "manifest")))
    client = await serve_with_example(
        serve, trusted_documents=str(manifest), api_keys=[*TEST_KEYS, PARTNER]
    )
    results = by_name(
        await run_node(
            "apollo-client.mjs",
            "run",
            url(client),
            PARTNER.key,
            "CountInvoices",
            "LookUp",
            "Untrusted",
        )
    )
    assert results["CountInvoices"]["data"]["invoices"]["totalCount"] == 1
    assert results["LookUp"]["data"]["invoice"]["id"]
    assert results["Untrusted"]["data"] is None
    # Apollo Client reads a graphql-response+json body of any status as GraphQL errors.
    assert results["Untrusted"]["error"] == {
        "kind": "graphql",
        "codes": ["PERSISTED_QUERY_NOT_TRUSTED"],
    }


async def test_gql_client_with_schema_runs_queries(serve: ServeFactory) -> None:
    client = await serve_with_example(serve)
    transport = AIOHTTPTransport(url=url(client), headers={"Authorization": "Bearer demo-key"})
    # fetch_schema_from_transport: gql introspects the server and validates documents locally.
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        request = gql(LOOK_UP)
        request.variable_values = {"invoiceId": EXAMPLE_ID}
        result = await session.execute(request)
        page = gql(PAGE)
        page.variable_values = {"first": 500}
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(page)
    invoice = result["invoice"]
    assert invoice["invoiceNumber"] == "23940791"
    assert invoice["orders"][0]["items"][0]["sku"]
    [error] = refused.value.errors or []
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
