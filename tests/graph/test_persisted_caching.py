"""HTTP caching of persisted queries over GET: Cache-Control, ETag, 304."""

import hashlib
from pathlib import Path

from aiohttp import ClientResponse

from seeds.ingest import ingest_records
from seeds.sources import read_records
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory, without_cost

EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "fabric-example.json"
COUNT_INVOICES = "query CountInvoices { invoices(first: 1) { totalCount } }"
DOCUMENT_ID = "sha256:" + hashlib.sha256(COUNT_INVOICES.encode()).hexdigest()


async def register(client: GraphQLClient, document: str) -> None:
    sha = hashlib.sha256(document.encode()).hexdigest()
    status, body = await client.post(
        document, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha}}
    )
    assert status == 200, body


async def get(client: GraphQLClient, **headers: str) -> ClientResponse:
    return await client.http.get(
        "/graphql", params={"documentId": DOCUMENT_ID}, headers={**client.headers(), **headers}
    )


async def test_persisted_get_has_private_cache_control_and_etag(serve: ServeFactory) -> None:
    client = await serve()
    await register(client, COUNT_INVOICES)
    response = await get(client)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Vary"] == "Accept, Authorization, x-site-context"
    assert without_cost(await response.json()) == {"data": {"invoices": {"totalCount": 0}}}


async def test_max_age_is_configurable(serve: ServeFactory) -> None:
    client = await serve(persisted_query_max_age=300)
    await register(client, COUNT_INVOICES)
    response = await get(client)
    assert response.headers["Cache-Control"] == "private, max-age=300"


async def test_conditional_get_with_matching_etag_is_304(serve: ServeFactory) -> None:
    client = await serve()
    await register(client, COUNT_INVOICES)
    etag = (await get(client)).headers["ETag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await get(client, **{"If-None-Match": if_none_match})
        assert response.status == 304
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "private, max-age=60"
        assert await response.read() == b""


async def test_conditional_get_after_change_is_200_with_new_etag(serve: ServeFactory) -> None:
    client = await serve()
    await register(client, COUNT_INVOICES)
    etag = (await get(client)).headers["ETag"]
    report = await ingest_records(read_records(EXAMPLE), client.invoices.scoped(Scope("demo")))
    assert report.stored == 1
    response = await get(client, **{"If-None-Match": etag})
    assert response.status == 200
    assert response.headers["ETag"] != etag
    assert without_cost(await response.json()) == {"data": {"invoices": {"totalCount": 1}}}


async def test_etag_differs_by_media_type(serve: ServeFactory) -> None:
    client = await serve()
    await register(client, COUNT_INVOICES)
    legacy = await get(client, Accept="application/json")
    spec = await get(client, Accept="application/graphql-response+json")
    assert spec.headers["Content-Type"].startswith("application/graphql-response+json")
    assert legacy.headers["ETag"] != spec.headers["ETag"]


async def test_ad_hoc_get_and_persisted_post_are_not_cached(serve: ServeFactory) -> None:
    client = await serve()
    await register(client, COUNT_INVOICES)
    ad_hoc = await client.http.get(
        "/graphql", params={"query": COUNT_INVOICES}, headers=client.headers()
    )
    assert ad_hoc.status == 200
    assert "ETag" not in ad_hoc.headers
    assert "Cache-Control" not in ad_hoc.headers
    posted = await client.http.post(
        "/graphql", json={"documentId": DOCUMENT_ID}, headers=client.headers()
    )
    assert posted.status == 200
    assert "ETag" not in posted.headers


async def test_persisted_get_with_errors_is_not_cached(serve: ServeFactory) -> None:
    client = await serve()
    too_many = "query TooMany { invoices(first: 500) { totalCount } }"
    await register(client, too_many)
    sha = hashlib.sha256(too_many.encode()).hexdigest()
    response = await client.http.get(
        "/graphql", params={"documentId": f"sha256:{sha}"}, headers=client.headers()
    )
    body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "ETag" not in response.headers
