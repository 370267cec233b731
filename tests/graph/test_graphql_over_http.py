"""GraphQL over HTTP: media types and status codes as the spec says, and its audit suite."""

from typing import Any

import pytest

from tests.conftest import GraphQLClient, ServeFactory, without_cost
from tests.graph.node_scripts import run_node

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
TYPENAME = "{ __typename }"
PARSE_ERROR = "{ invoices { "
VALIDATION_ERROR = "{ invoices { nope } }"
COERCION_ERROR = "query Page($first: Int!) { invoices(first: $first) { totalCount } }"
FIELD_ERROR = "{ invoices(first: 500) { totalCount } }"
# What Apollo Client 4 sends.
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


async def post(
    client: GraphQLClient, accept: str | None, query: str, variables: dict[str, Any] | None = None
) -> tuple[int, str, dict[str, Any]]:
    headers = client.headers()
    if accept is not None:
        headers["Accept"] = accept
    response = await client.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        # aiohttp sends Accept: */* by default; None means no Accept header at all.
        skip_auto_headers=["Accept"] if accept is None else [],
    )
    return response.status, response.headers["Content-Type"], await response.json(content_type=None)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
        ("", "application/json"),
        (APOLLO_ACCEPT, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, */*", "application/json"),
        ("text/html, application/*;q=0.8", "application/json"),
    ],
)
async def test_response_media_type_follows_accept(
    serve: ServeFactory, accept: str | None, media_type: str
) -> None:
    client = await serve()
    status, content_type, body = await post(client, accept, TYPENAME)
    assert status == 200
    assert content_type == f"{media_type}; charset=utf-8"
    assert without_cost(body) == {"data": {"__typename": "Query"}}


async def test_accept_without_supported_type_is_406(serve: ServeFactory) -> None:
    client = await serve()
    status, content_type, body = await post(client, "text/plain", TYPENAME)
    assert status == 406
    assert content_type.startswith("application/json")
    assert body["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (PARSE_ERROR, None, "GRAPHQL_PARSE_FAILED"),
        (VALIDATION_ERROR, None, "GRAPHQL_VALIDATION_FAILED"),
        (COERCION_ERROR, {"first": "ten"}, "BAD_USER_INPUT"),
        (COERCION_ERROR, None, "BAD_USER_INPUT"),
    ],
)
async def test_request_error_is_400_without_data_for_graphql_response_json(
    serve: ServeFactory, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    client = await serve()
    status, content_type, body = await post(client, GRAPHQL_RESPONSE_JSON, query, variables)
    assert status == 400
    assert content_type.startswith(GRAPHQL_RESPONSE_JSON)
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]

    status, _, legacy = await post(client, "application/json", query, variables)
    assert status == 200
    assert legacy == body


TWO_OPERATIONS = "query First { __typename } query Second { __typename }"


@pytest.mark.parametrize(
    ("query", "operation_name", "message"),
    [
        (TYPENAME, "Nope", "no operation named 'Nope'"),
        (TWO_OPERATIONS, "Third", "no operation named 'Third'"),
        (TWO_OPERATIONS, None, "several operations"),
    ],
)
async def test_operation_not_chosen_is_a_request_error(
    serve: ServeFactory, query: str, operation_name: str | None, message: str
) -> None:
    client = await serve()
    answers = {}
    for accept in (GRAPHQL_RESPONSE_JSON, "application/json"):
        headers = {**client.headers(), "Accept": accept}
        body = {"query": query, "operationName": operation_name}
        response = await client.http.post("/graphql", json=body, headers=headers)
        answers[accept] = (response.status, await response.json(content_type=None))

    status, body = answers[GRAPHQL_RESPONSE_JSON]
    assert status == 400
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert message in error["message"]
    assert answers["application/json"] == (200, body)


async def test_field_error_is_200_with_data_for_graphql_response_json(
    serve: ServeFactory,
) -> None:
    client = await serve()
    status, _, body = await post(client, GRAPHQL_RESPONSE_JSON, FIELD_ERROR)
    assert status == 200
    assert body["data"] is None  # present: execution started
    assert body["errors"][0]["path"] == ["invoices"]


async def test_refusal_before_execution_uses_negotiated_media_type(serve: ServeFactory) -> None:
    client = await serve()
    client.key = "not-a-key"
    status, content_type, body = await post(client, GRAPHQL_RESPONSE_JSON, TYPENAME)
    assert status == 401
    assert content_type.startswith(GRAPHQL_RESPONSE_JSON)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphql_http_audit_suite_reports_every_audit_ok(serve: ServeFactory) -> None:
    client = await serve()
    url = str(client.http.make_url("/graphql"))
    results = await run_node("graphql-http-audit.mjs", url, "demo-key")
    assert len(results) >= 60  # the suite's size when written: a shrunken run is suspicious
    not_ok = [result for result in results if result["status"] != "ok"]
    assert not_ok == []
