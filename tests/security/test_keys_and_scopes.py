"""API keys over HTTP: who may call, and which scope each field and mutation needs."""

from typing import Any

import pytest
from graphql import GraphQLObjectType

from graph.core_schema import core_schema
from graph.permissions import ScopeRequired
from graph.schema import build_schema
from invoicegraph import startup
from invoicegraph.app import RESOURCES
from invoicegraph.cli import main
from invoicegraph.settings import ApiKeyConfig
from store.client import Database, open_database
from store.keys import KeyStore
from tests.conftest import GraphQLClient, ServeFactory
from tests.security.tenants import SERVE_KEYS, Caller, send

GRAPHQL_SCHEMA = core_schema(build_schema())

COUNT = "{ invoices { totalCount } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
DATA_SCOPES = ("read", "write", "ingest")
FIELD_SCOPES = (*DATA_SCOPES, "admin")
"""Every scope a root field may need: the data scopes, and admin for webhooks."""

ROOT_FIELD_CALLS: dict[str, str] = {
    "Query.invoice": '{ invoice(invoiceId: "x") { invoiceId } }',
    "Query.invoiceByNumber": '{ invoiceByNumber(invoiceNumber: "x") { invoiceId } }',
    "Query.node": '{ node(id: "SW52b2ljZTp4") { id } }',
    "Query.invoices": COUNT,
    "Query.invoiceSummary": "{ invoiceSummary { count } }",
    "Query.invoiceEvents": "{ invoiceEvents { edges { cursor } } }",
    "Mutation.invoiceCreate": (
        'mutation { invoiceCreate(input: {invoiceNumber: "S-1", invoiceTotal: "1.00"}) '
        "{ errors { code } } }"
    ),
    "Mutation.invoiceStatusUpdate": (
        'mutation { invoiceStatusUpdate(invoiceId: "x", invoiceStatus: SETTLED) '
        "{ errors { code } } }"
    ),
    "Mutation.invoicePost": 'mutation { invoicePost(invoiceId: "x") { errors { code } } }',
    "Mutation.invoiceAcknowledge": (
        'mutation { invoiceAcknowledge(invoiceId: "x") { errors { code } } }'
    ),
    "Mutation.invoiceAttributesUpdate": (
        'mutation { invoiceAttributesUpdate(invoiceId: "x", attributes: {a: 1}) '
        "{ errors { code } } }"
    ),
    "Mutation.akinonInvoicesIngest": (
        "mutation { akinonInvoicesIngest(records: []) { stored errors { code } } }"
    ),
    "Query.webhookSubscriptions": "{ webhookSubscriptions { id } }",
    "Query.webhookDeliveries": '{ webhookDeliveries(subscriptionId: "x") { edges { cursor } } }',
    "Mutation.webhookSubscriptionCreate": (
        'mutation { webhookSubscriptionCreate(url: "ftp://x") { errors { code } } }'
    ),
    "Mutation.webhookSubscriptionDelete": (
        'mutation { webhookSubscriptionDelete(id: "x") { errors { code } } }'
    ),
    "Mutation.webhookSubscriptionEnable": (
        'mutation { webhookSubscriptionEnable(id: "x") { errors { code } } }'
    ),
}


def required_scopes() -> dict[str, set[str]]:
    """Each root field -> the scopes its permission classes require."""
    needs = {}
    for type_name in ("Query", "Mutation"):
        kind = GRAPHQL_SCHEMA.get_type(type_name)
        assert isinstance(kind, GraphQLObjectType)
        for name, field in kind.fields.items():
            definition = field.extensions["strawberry-definition"]
            needs[f"{type_name}.{name}"] = {
                permission.scope
                for permission in definition.permission_classes
                if issubclass(permission, ScopeRequired)
            }
    return needs


def scoped_keys() -> list[ApiKeyConfig]:
    """For each scope, a key of account acme holding every data scope but that one (none
    holds admin, which grants them all)."""
    keys = [
        ApiKeyConfig(
            key=f"all-but-{scope}-key",
            account="acme",
            scopes=[s for s in DATA_SCOPES if s != scope],
            name=f"all-but-{scope}",
        )
        for scope in FIELD_SCOPES
    ]
    return [
        *SERVE_KEYS,
        *keys,
        ApiKeyConfig(key="acme-admin-key", account="acme", scopes=["admin"]),
    ]


def test_every_root_field_requires_exactly_one_scope() -> None:
    needs = required_scopes()
    assert set(needs) == set(ROOT_FIELD_CALLS)
    assert {field: len(scopes) for field, scopes in needs.items()} == dict.fromkeys(needs, 1)
    assert {scope for scopes in needs.values() for scope in scopes} == set(FIELD_SCOPES)


@pytest.mark.parametrize("field", sorted(ROOT_FIELD_CALLS))
async def test_field_without_its_scope_is_forbidden_naming_it(
    serve: ServeFactory, field: str
) -> None:
    client = await serve(api_keys=scoped_keys())
    [scope] = required_scopes()[field]
    before = client.commands

    status, body = await send(client, Caller(f"all-but-{scope}-key"), ROOT_FIELD_CALLS[field])

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": scope}
    assert f"'{scope}' scope" in error["message"]
    assert error["path"] == [field.split(".")[1]]
    assert client.commands == before  # refused before any resolver ran
    holders = ("acme-admin-key",) if scope == "admin" else ("acme-all-key", "acme-admin-key")
    for holder in holders:
        status, body = await send(client, Caller(holder), ROOT_FIELD_CALLS[field])
        assert "errors" not in body, body


async def test_write_key_reads_no_related_invoices_through_a_payload(
    serve: ServeFactory,
) -> None:
    client = await serve(api_keys=scoped_keys())
    create = (
        'mutation { invoiceCreate(input: {invoiceNumber: "S-2", invoiceTotal: "1.00"}) '
        "{ invoice { invoiceNumber relatedInvoices { invoiceNumber } } } }"
    )
    status, body = await send(client, Caller("all-but-read-key"), create)
    [error] = body["errors"]
    assert error["extensions"]["scope"] == "read"
    assert error["path"] == ["invoiceCreate", "invoice", "relatedInvoices"]


async def test_request_without_key_is_401_with_bearer_challenge(serve: ServeFactory) -> None:
    client = await serve()
    for headers in ({}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "}):
        response = await client.http.post("/graphql", json={"query": COUNT}, headers=headers)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="invoicegraph"'
        body = await response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def stored_key(client: GraphQLClient, scopes: list[str], name: str = "partner") -> str:
    database = client.http.app[RESOURCES].database
    assert database is not None
    clear, _ = await KeyStore(database).create("acme", name, scopes)
    return clear


async def test_stored_key_costs_no_command_once_cached(serve: ServeFactory) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    key = await stored_key(client, ["read"])
    configured = Caller("acme-all-key")
    before = client.commands
    assert "errors" not in (await send(client, configured, COUNT))[1]
    per_request = client.commands - before

    before = client.commands
    assert "errors" not in (await send(client, Caller(key), COUNT))[1]
    assert client.commands - before == per_request + 1  # the lookup, with lastUsedAt
    before = client.commands
    for _ in range(5):
        assert "errors" not in (await send(client, Caller(key), COUNT))[1]
    assert client.commands - before == 5 * per_request


async def test_revoked_and_unknown_keys_are_401(serve: ServeFactory) -> None:
    # A cache shorter than a request: revocation shows at once.
    client = await serve(api_keys=SERVE_KEYS, key_cache_seconds=1e-9)
    key = await stored_key(client, ["read"])
    assert (await send(client, Caller(key), COUNT))[0] == 200

    database = client.http.app[RESOURCES].database
    assert database is not None
    assert await KeyStore(database).revoke("acme", "partner") is not None
    for caller in (Caller(key), Caller(key + "x"), Caller("igk_unknown")):
        response = await client.http.post(
            "/graphql", json={"query": COUNT}, headers=caller.request_headers()
        )
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await response.json())["errors"][0]["message"] == "Unknown API key."


async def test_admin_key_reads_and_writes_its_own_account(serve: ServeFactory) -> None:
    client = await serve(api_keys=scoped_keys())
    status, body = await send(client, Caller("acme-admin-key"), ROOT_FIELD_CALLS["Query.invoices"])
    assert body["data"] == {"invoices": {"totalCount": 0}}


async def introspect(client: GraphQLClient, caller: Caller) -> dict[str, Any]:
    status, body = await send(client, caller, INTROSPECTION)
    assert status == 200
    return body


async def test_introspection_is_on_for_read_keys_by_default(serve: ServeFactory) -> None:
    client = await serve(api_keys=scoped_keys())
    body = await introspect(client, Caller("acme-all-key"))
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    # Without the read scope there is nothing to explore.
    refused = await introspect(client, Caller("all-but-read-key"))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "data" not in refused


async def test_introspection_off_globally_or_per_key(serve: ServeFactory) -> None:
    off = await serve(api_keys=SERVE_KEYS, introspection=False)
    before = off.commands
    body = await introspect(off, Caller("acme-all-key"))
    assert body["errors"][0]["message"] == (
        "Introspection (__schema, __type) is turned off for this API key."
    )
    assert off.commands == before

    quiet = ApiKeyConfig(key="quiet-key", account="acme", scopes=["read"], introspection=False)
    per_key = await serve(api_keys=[*SERVE_KEYS, quiet])
    assert "errors" in await introspect(per_key, Caller("quiet-key"))
    assert "errors" not in await introspect(per_key, Caller("acme-all-key"))
    # __typename is not introspection: it stays available.
    assert (await send(per_key, Caller("quiet-key"), "{ __typename }"))[1]["data"] == {
        "__typename": "Query"
    }


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch) -> Database:
    """The database the CLI opens: an embedded one shared across its runs."""
    database = open_database(None, "invoicegraph_cli_keys")
    monkeypatch.setattr(startup, "open_database", lambda *_: database)
    return database


def test_keys_cli_creates_lists_and_revokes(
    cli_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = ["--mongodb-uri", "mongodb://unused"]
    create = ["keys", "create", "--account", "acme", "--name", "partner", *uri]
    assert main([*create, "--scope", "read", "--scope", "ingest"]) == 0
    clear = capsys.readouterr().out.strip()
    assert clear.startswith("igk_")

    assert main(["keys", "list", "--account", "acme", *uri]) == 0
    listed = capsys.readouterr().out
    assert "acme/partner  ingest,read" in listed
    assert "active" in listed
    assert clear not in listed

    assert main([*create, "--scope", "read"]) == 2
    assert "already has a key named 'partner'" in capsys.readouterr().err

    assert main(["keys", "revoke", "--account", "acme", "partner", *uri]) == 0
    assert "revoked acme/partner" in capsys.readouterr().out
    assert main(["keys", "revoke", "--account", "acme", "partner", *uri]) == 1


def test_keys_cli_needs_a_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.delenv("INVOICEGRAPH_MONGODB_URI", raising=False)
    assert main(["keys", "list"]) == 2
    assert "--mongodb-uri" in capsys.readouterr().err
