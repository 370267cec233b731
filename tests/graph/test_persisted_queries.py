"""Automatic persisted queries (APQ), to the letter of Apollo's protocol."""

import hashlib
import json
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from invoicegraph.app import RESOURCES
from store.client import StoreUnavailable
from store.invoices import ScopedInvoices
from store.persisted_documents import PersistedDocuments
from tests.conftest import GraphQLClient, ServeFactory, without_cost

# Served tests on both backends: the embedded store and a MongoDB-speaking server.
pytestmark = pytest.mark.both_backends

# The protocol's test vector hashes the text without spaces.
TYPENAME = "{__typename}"
TYPENAME_SHA256 = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
COUNT_INVOICES = "query CountInvoices { invoices(first: 1) { totalCount } }"
NO_CACHE = "private, no-cache, must-revalidate"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(sha: str, version: Any = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


async def post_apq(
    client: GraphQLClient, sha: str, query: str | None = None, version: Any = 1
) -> tuple[int, dict[str, str], dict[str, Any]]:
    body: dict[str, Any] = {"extensions": apq(sha, version)}
    if query is not None:
        body["query"] = query
    response = await client.http.post("/graphql", json=body, headers=client.headers())
    return response.status, dict(response.headers), await response.json()


def persisted(client: GraphQLClient) -> Any:
    return client.http.app[RESOURCES].persisted


def test_hash_matches_protocol_test_vector() -> None:
    assert sha256(TYPENAME) == TYPENAME_SHA256


async def test_hash_only_unknown_is_not_found_200_uncacheable(serve: ServeFactory) -> None:
    client = await serve()
    before = client.commands
    status, headers, body = await post_apq(client, TYPENAME_SHA256)
    assert status == 200
    assert headers["Cache-Control"] == NO_CACHE
    assert without_cost(body) == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert client.commands - before == 1  # one lookup in the store


async def test_register_then_hash_only_runs_from_cache(serve: ServeFactory) -> None:
    client = await serve()
    before = client.commands
    status, _, body = await post_apq(client, TYPENAME_SHA256, TYPENAME)
    assert (status, without_cost(body)) == (200, {"data": {"__typename": "Query"}})
    assert client.commands - before == 1  # the registration write; running it costs nothing

    before = client.commands
    status, _, body = await post_apq(client, TYPENAME_SHA256)
    assert (status, without_cost(body)) == (200, {"data": {"__typename": "Query"}})
    assert client.commands - before == 0
    assert (persisted(client).hits, persisted(client).misses) == (1, 0)


async def test_register_with_wrong_hash_is_400(serve: ServeFactory) -> None:
    client = await serve()
    status, _, body = await post_apq(client, sha256("{ invoices { totalCount } }"), TYPENAME)
    assert status == 400
    [error] = body["errors"]
    assert error["message"] == "provided sha does not match query"
    assert error["extensions"]["code"] == "BAD_REQUEST"
    status, _, _ = await post_apq(client, TYPENAME_SHA256)
    assert status == 200  # nothing was registered: still not found


async def test_unsupported_version_is_400(serve: ServeFactory) -> None:
    client = await serve()
    for version in (2, None, "1"):
        status, _, body = await post_apq(client, TYPENAME_SHA256, TYPENAME, version=version)
        assert status == 400
        assert body["errors"][0]["message"] == "Unsupported persisted query version"


async def test_register_invalid_document_stores_nothing(serve: ServeFactory) -> None:
    client = await serve()
    invalid = "{ invoices { nope } }"
    before = client.commands
    status, _, body = await post_apq(client, sha256(invalid), invalid)
    assert status == 200
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert client.commands - before == 0
    status, _, body = await post_apq(client, sha256(invalid))
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_registration_is_visible_to_its_account_only(serve: ServeFactory) -> None:
    client = await serve()
    status, _, body = await post_apq(client, sha256(COUNT_INVOICES), COUNT_INVOICES)
    assert status == 200
    assert "errors" not in body

    client.key = "acme-reader-key"  # another account: the hash tells it nothing
    status, _, body = await post_apq(client, sha256(COUNT_INVOICES))
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    status, _, body = await post_apq(client, sha256(COUNT_INVOICES), COUNT_INVOICES)
    assert without_cost(body) == {"data": {"invoices": {"totalCount": 0}}}
    status, _, body = await post_apq(client, sha256(COUNT_INVOICES))
    assert without_cost(body) == {"data": {"invoices": {"totalCount": 0}}}

    database = client.http.app[RESOURCES].database
    assert database is not None
    stored = await PersistedDocuments(database).find(sha256(COUNT_INVOICES))
    assert stored is not None
    assert stored.accounts == {"demo", "acme"}
    assert not stored.trusted


async def test_document_registered_by_another_process_runs(serve: ServeFactory) -> None:
    client = await serve()
    database = client.http.app[RESOURCES].database
    assert database is not None
    # Another server process shares the database: its registration is a record in the store.
    await PersistedDocuments(database).register(TYPENAME_SHA256, TYPENAME, "demo")
    status, _, body = await post_apq(client, TYPENAME_SHA256)
    assert (status, without_cost(body)) == (200, {"data": {"__typename": "Query"}})
    assert persisted(client).misses == 1


async def test_cache_is_bounded_least_recently_used(serve: ServeFactory) -> None:
    client = await serve(persisted_cache_size=2)
    documents = [f"query Q{n} {{ __typename }}" for n in range(3)]
    for document in documents:
        status, _, body = await post_apq(client, sha256(document), document)
        assert without_cost(body) == {"data": {"__typename": "Query"}}
    assert len(persisted(client).cache) == 2

    before = client.commands
    await post_apq(client, sha256(documents[2]))  # still cached
    assert client.commands - before == 0
    await post_apq(client, sha256(documents[0]))  # evicted: read back from the store
    assert client.commands - before == 1
    assert (persisted(client).hits, persisted(client).misses) == (1, 1)


async def test_hash_only_over_get_runs(serve: ServeFactory) -> None:
    client = await serve()
    await post_apq(client, TYPENAME_SHA256, TYPENAME)
    response = await client.http.get(
        "/graphql",
        params={"extensions": json.dumps(apq(TYPENAME_SHA256))},
        headers=client.headers(),
    )
    assert response.status == 200
    assert without_cost(await response.json()) == {"data": {"__typename": "Query"}}


async def test_hash_only_unknown_over_get_is_not_found(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get(
        "/graphql",
        params={"extensions": json.dumps(apq(TYPENAME_SHA256))},
        headers=client.headers(),
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == NO_CACHE
    assert (await response.json())["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_register_over_get_then_run(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get(
        "/graphql",
        params={
            "query": TYPENAME,
            "extensions": json.dumps(apq(TYPENAME_SHA256)),
        },
        headers=client.headers(),
    )
    assert without_cost(await response.json()) == {"data": {"__typename": "Query"}}
    status, _, body = await post_apq(client, TYPENAME_SHA256)
    assert without_cost(body) == {"data": {"__typename": "Query"}}


async def test_persisted_mutation_over_get_is_405(serve: ServeFactory) -> None:
    client = await serve()
    mutation = "mutation { __typename }"
    database = client.http.app[RESOURCES].database
    assert database is not None
    await PersistedDocuments(database).register(sha256(mutation), mutation, "demo")
    response = await client.http.get(
        "/graphql", params={"documentId": f"sha256:{sha256(mutation)}"}, headers=client.headers()
    )
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


CREATE_INVOICE = """
mutation Create($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) { invoice { invoiceId } }
}
"""
NEW_INVOICE = {
    "invoiceId": "apq-created",
    "invoiceNumber": "APQ-1",
    "invoiceTotal": "10.00",
    "orders": [
        {"orderId": "o1", "invoiceOrderTotal": "10.00", "items": [{"invoiceLineTotal": "10.00"}]}
    ],
}


async def test_registration_failure_keeps_the_answer_of_a_committed_mutation(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def store_down(*_: Any) -> None:
        raise StoreUnavailable("insert", AutoReconnect("connection reset"))

    client = await serve()
    monkeypatch.setattr(PersistedDocuments, "register", store_down)
    body = {
        "query": CREATE_INVOICE,
        "variables": {"input": NEW_INVOICE},
        "extensions": apq(sha256(CREATE_INVOICE)),
    }
    headers = {**client.headers(), "Accept": "application/graphql-response+json"}

    response = await client.http.post("/graphql", json=body, headers=headers)

    assert response.status == 200
    answer = await response.json()
    assert answer["data"] == {"invoiceCreate": {"invoice": {"invoiceId": "apq-created"}}}
    assert "errors" not in answer
    found = await client.data('{ invoice(invoiceId: "apq-created") { invoiceId } }')
    assert found == {"invoice": {"invoiceId": "apq-created"}}


CREATE_WITH_RELATED = """
mutation CreateWithRelated($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) { invoice { invoiceId relatedInvoices { invoiceId } } }
}
"""


async def test_store_failure_after_a_write_keeps_the_mutation_data(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def store_down(*_: Any, **__: Any) -> None:
        raise StoreUnavailable("find", AutoReconnect("connection reset"))

    client = await serve()
    monkeypatch.setattr(ScopedInvoices, "find_by_order_ids", store_down)
    body = {"query": CREATE_WITH_RELATED, "variables": {"input": NEW_INVOICE}}
    headers = {**client.headers(), "Accept": "application/graphql-response+json"}

    response = await client.http.post("/graphql", json=body, headers=headers)

    # The invoice is stored: the client must learn so, not be told to retry (503).
    assert response.status == 200
    answer = await response.json()
    assert answer["data"] == {"invoiceCreate": {"invoice": None}}
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["SERVICE_UNAVAILABLE"]
    found = await client.data('{ invoice(invoiceId: "apq-created") { invoiceId } }')
    assert found == {"invoice": {"invoiceId": "apq-created"}}
