"""Authorization and x-site-context are sent once: two of either are refused (issue 13),
so a proxy's narrowing header never loses to one the client added."""

import pytest
from multidict import CIMultiDict

from tests.conftest import ServeFactory

QUERY = {"query": "{ invoices(first: 1) { edges { node { id } } } }"}


@pytest.mark.parametrize(
    "repeated",
    [
        [("Authorization", "Bearer demo-key"), ("Authorization", "Bearer acme-reader-key")],
        [("Authorization", "Bearer demo-key"), ("Authorization", "Bearer demo-key")],
        [
            ("Authorization", "Bearer demo-key"),
            ("x-site-context", '{"channel": 1}'),
            ("x-site-context", '{"channel": 2}'),
        ],
    ],
    ids=["two-keys", "same-key-twice", "two-site-contexts"],
)
async def test_repeated_headers_are_refused(
    serve: ServeFactory, repeated: list[tuple[str, str]]
) -> None:
    client = await serve()
    before = client.commands
    for method in ("POST", "GET"):
        if method == "POST":
            response = await client.http.post("/graphql", json=QUERY, headers=CIMultiDict(repeated))
        else:
            response = await client.http.get(
                "/graphql", params=QUERY, headers=CIMultiDict(repeated)
            )
        body = await response.json()
        assert response.status == 400
        [error] = body["errors"]
        assert error["extensions"]["code"] == "DUPLICATE_HEADER"
        assert "send exactly one" in error["message"]
        assert "demo-key" not in error["message"]
    assert client.commands == before


async def test_one_of_each_is_fine(serve: ServeFactory) -> None:
    client = await serve()
    headers = {"Authorization": "Bearer demo-key", "x-site-context": '{"channel": 1}'}
    response = await client.http.post("/graphql", json=QUERY, headers=headers)
    assert response.status == 200
    assert "errors" not in await response.json()


async def test_unnamed_keys_are_named_by_their_place(serve: ServeFactory) -> None:
    from invoicegraph.settings import ApiKeyConfig
    from store.keys import key_digest

    keys = [
        ApiKeyConfig(key="first-unnamed-key", account="demo", scopes=["read", "write"]),
        ApiKeyConfig(key="named-writer-key", account="demo", scopes=["write"], name="erp"),
        ApiKeyConfig(key="second-unnamed-key", account="demo", scopes=["read", "write"]),
    ]
    client = await serve(api_keys=keys)
    client.key = "second-unnamed-key"
    created = await client.data(
        """mutation { invoiceCreate(input: {invoiceNumber: "A-1", invoiceTotal: "1.00"}) {
          invoice { auditLogs { employeeId } } errors { code } } }"""
    )
    events = await client.data("{ invoiceEvents { edges { node { actor } } } }")
    names = {log["employeeId"] for log in created["invoiceCreate"]["invoice"]["auditLogs"] or []}
    names |= {edge["node"]["actor"] for edge in events["invoiceEvents"]["edges"]}
    assert names == {"key-2"}
    digest = key_digest("second-unnamed-key")
    assert not any(digest[:4] in name for name in names)
