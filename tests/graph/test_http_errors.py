"""Bad requests get a precise error and a code, never a 500."""

from tests.conftest import ServeFactory, without_cost

LOOKUP = '{ invoice(invoiceId: "does-not-exist") { invoiceNumber } }'


async def test_lookup_unknown_invoice_is_null(serve: ServeFactory) -> None:
    client = await serve()
    assert await client.data(LOOKUP) == {"invoice": None}


async def test_query_malformed_document_is_parse_error(serve: ServeFactory) -> None:
    client = await serve()
    status, body = await client.post("{ invoice(invoiceId: ) { ")
    assert status == 200
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "Syntax Error" in error["message"]


async def test_query_unknown_field_is_validation_error(serve: ServeFactory) -> None:
    client = await serve()
    status, body = await client.post("{ invoices { nope } }")
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in error["message"]


async def test_query_wrong_variable_type_is_bad_user_input(serve: ServeFactory) -> None:
    client = await serve()
    status, body = await client.post(
        "query($n: Int) { invoices(first: $n) { totalCount } }", {"n": "ten"}
    )
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "$n" in error["message"]


async def test_request_without_key_is_401_with_challenge(serve: ServeFactory) -> None:
    client = await serve()
    client.key = None
    response = await client.http.post("/graphql", json={"query": LOOKUP})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_request_with_unknown_key_is_401(serve: ServeFactory) -> None:
    client = await serve()
    client.key = "not-a-key"
    status, body = await client.post(LOOKUP)
    assert status == 401
    assert body["errors"][0]["message"] == "Unknown API key."


async def test_body_not_json_is_400(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.post(
        "/graphql",
        data=b"{not json",
        headers={**client.headers(), "Content-Type": "application/json"},
    )
    assert response.status == 400
    body = await response.json()
    assert "not valid JSON" in body["errors"][0]["message"]


async def test_body_without_query_is_400(serve: ServeFactory) -> None:
    client = await serve()
    status, body = await client.post(None)  # type: ignore[arg-type]
    assert status == 400
    assert body["errors"][0]["message"] == "The request has no 'query'."


async def test_query_over_get_runs(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get("/graphql", params={"query": LOOKUP}, headers=client.headers())
    assert response.status == 200
    assert without_cost(await response.json()) == {"data": {"invoice": None}}


async def test_mutation_over_get_is_405(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers=client.headers(),
    )
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


async def test_graphiql_page_for_browsers(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status == 200
    assert "graphiql" in (await response.text()).lower()


async def test_health_and_readiness(serve: ServeFactory) -> None:
    client = await serve()
    assert (await client.http.get("/healthz")).status == 200
    assert (await client.http.get("/readyz")).status == 200
    metrics = await (await client.http.get("/metrics")).text()
    assert "invoicegraph_db_commands_total" in metrics
