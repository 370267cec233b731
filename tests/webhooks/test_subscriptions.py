"""Subscriptions over GraphQL: the admin scope, the checks at registration, the secret once."""

import base64
import hashlib
from typing import Any

import pytest

from invoicegraph.app import RESOURCES
from tests.conftest import GraphQLClient, ServeFactory
from tests.webhooks.conftest import (
    ADMIN_KEY,
    CREATE_SUBSCRIPTION,
    DELIVERIES,
    ENABLE,
    PAYLOAD,
    SUBSCRIPTIONS,
    WEBHOOK_KEYS,
    as_key,
    subscribe,
)

DELETE = """
mutation Delete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedId errors { code message field } }
}
"""


async def refusal(admin: GraphQLClient, **variables: Any) -> dict[str, Any]:
    data = await admin.data(CREATE_SUBSCRIPTION, variables)
    answer = data["webhookSubscriptionCreate"]
    assert answer["webhookSubscription"] is None
    [error] = answer["errors"]
    assert error["code"] == "INVALID_INPUT"
    found: dict[str, Any] = error
    return found


async def test_private_targets_are_refused_by_default(serve: ServeFactory) -> None:
    admin = as_key(await serve(api_keys=WEBHOOK_KEYS), ADMIN_KEY)
    for url, reason in [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost:9/hook", "localhost resolves to"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.0.0.7/hook", "10.0.0.7 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("ftp://partner.example/hook", "http:// or https://"),
        ("https://user:pw@8.8.8.8/hook", "credentials"),
        ("not a url", "http:// or https://"),
    ]:
        error = await refusal(admin, url=url)
        assert error["field"] == "url"
        assert reason in error["message"], (url, error)
    assert (await admin.data(SUBSCRIPTIONS))["webhookSubscriptions"] == []


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("query P($invoiceId: ID!) { invoice(invoiceId: $invoiceId) {", "does not parse"),
        ("query P { invoices { totalCount } }", "must take $invoiceId"),
        (
            "mutation M($invoiceId: ID!) { invoicePost(invoiceId: $invoiceId) { "
            "errors { code } } }",
            "must be a query",
        ),
        (
            "query A($invoiceId: ID!) { a: invoice(invoiceId: $invoiceId) { version } } "
            "query B($invoiceId: ID!) { b: invoice(invoiceId: $invoiceId) { version } }",
            "exactly one operation",
        ),
        ("query P($invoiceId: ID!) { invoice(invoiceId: $invoiceId) { nope } }", "not valid"),
        (
            "query P($invoiceId: ID!, $n: Int!) { invoice(invoiceId: $invoiceId) { version } "
            "invoices(first: $n) { totalCount } }",
            "$n is required",
        ),
        (
            "query P($invoiceId: ID!) { invoice(invoiceId: $invoiceId) { version } "
            "invoices(first: 100) { edges { node { relatedInvoices { relatedInvoices "
            "{ invoiceId } } } } } }",
            "cost",
        ),
    ],
)
async def test_payload_documents_are_checked_at_registration(
    serve: ServeFactory, query: str, reason: str
) -> None:
    admin = as_key(
        await serve(api_keys=WEBHOOK_KEYS, webhook_allow_private_targets=True, max_query_cost=100),
        ADMIN_KEY,
    )
    error = await refusal(admin, url="http://127.0.0.1:9/hook", query=query)
    assert error["field"] == "query"
    assert reason in error["message"], error


async def test_document_ids_must_name_trusted_documents(serve: ServeFactory) -> None:
    admin = as_key(
        await serve(api_keys=WEBHOOK_KEYS, webhook_allow_private_targets=True), ADMIN_KEY
    )
    unknown = "sha256:" + hashlib.sha256(PAYLOAD.encode()).hexdigest()
    error = await refusal(admin, url="http://127.0.0.1:9/hook", doc=unknown)
    assert error["field"] == "documentId"
    assert "not a trusted document" in error["message"]
    error = await refusal(admin, url="http://127.0.0.1:9/hook", doc="abc")
    assert "sha256:" in error["message"]
    error = await refusal(admin, url="http://127.0.0.1:9/hook", doc=unknown, query=PAYLOAD)
    assert "'query' or 'documentId'" in error["message"]


async def test_the_secret_is_shown_once_and_subscriptions_stay_in_their_account(
    serve: ServeFactory,
) -> None:
    client = await serve(api_keys=WEBHOOK_KEYS, webhook_allow_private_targets=True)
    admin, other = as_key(client, ADMIN_KEY), as_key(client, "acme-admin-key")
    made = await subscribe(
        admin, "http://127.0.0.1:9/hook", query=PAYLOAD, types=["POST", "CREATE"]
    )
    assert made["eventTypes"] == ["CREATE", "POST"]
    assert made["enabled"] is True
    secret = made["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32

    [listed] = (await admin.data(SUBSCRIPTIONS))["webhookSubscriptions"]
    assert listed["id"] == made["id"]
    assert listed["secret"] is None
    database = client.http.app[RESOURCES].database  # the secret is stored encrypted
    assert database is not None
    record = await database.collection("webhook_subscriptions").find_one({"_id": made["id"]})
    assert secret not in str(record)

    assert (await other.data(SUBSCRIPTIONS))["webhookSubscriptions"] == []
    empty = (await other.data(DELIVERIES, {"id": made["id"]}))["webhookDeliveries"]
    assert empty["edges"] == []
    for mutation in (DELETE, ENABLE):
        data = await other.data(mutation, {"id": made["id"]})
        [answer] = data.values()
        assert [error["code"] for error in answer["errors"]] == ["NOT_FOUND"]

    deleted = (await admin.data(DELETE, {"id": made["id"]}))["webhookSubscriptionDelete"]
    assert deleted == {"deletedId": made["id"], "errors": []}
    assert (await admin.data(SUBSCRIPTIONS))["webhookSubscriptions"] == []


async def test_keys_without_the_admin_scope_are_forbidden(serve: ServeFactory) -> None:
    client = await serve(api_keys=WEBHOOK_KEYS, webhook_allow_private_targets=True)
    status, body = await client.post(CREATE_SUBSCRIPTION, {"url": "http://127.0.0.1:9/"})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "admin"}


async def test_webhook_fields_answer_over_a_websocket_too(serve: ServeFactory) -> None:
    client = await serve(api_keys=WEBHOOK_KEYS, webhook_allow_private_targets=True)
    made = await subscribe(as_key(client, ADMIN_KEY), "http://127.0.0.1:9/hook")
    async with client.http.ws_connect("/graphql", protocols=["graphql-transport-ws"]) as socket:
        auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
        await socket.send_json({"type": "connection_init", "payload": auth})
        assert (await socket.receive_json())["type"] == "connection_ack"
        await socket.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTIONS}}
        )
        answer = await socket.receive_json()
    assert answer["type"] == "next", answer
    [listed] = answer["payload"]["data"]["webhookSubscriptions"]
    assert listed["id"] == made["id"]
