"""The x-site-context header narrows a request to a channel and never widens it."""

from typing import Any

import pytest

from tests.conftest import ServeFactory
from tests.security.tenants import EVERY_SPEC, SERVE_KEYS, Caller, seed, send

NUMBERS = "{ invoices { totalCount edges { node { invoiceNumber channelId } } } }"
CREATE = """
mutation($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) { invoice { invoiceNumber channelId } errors { code field message } }
}
"""


def with_header(value: str) -> Caller:
    return Caller("acme-all-key", headers={"x-site-context": value})


@pytest.mark.parametrize(
    "context",
    [
        {"channel": 2},
        {"channel": "2"},
        {"account": "acme", "channel": 2, "stage": "production"},
        {"account": "acme", "channel": 2, "date": "2024-05-01", "unknownKey": [1]},
    ],
)
async def test_channel_narrows_the_listing(serve: ServeFactory, context: dict[str, Any]) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    await seed(client, "acme", EVERY_SPEC)

    status, body = await send(client, Caller("acme-all-key", context), NUMBERS)

    assert status == 200
    nodes = [edge["node"] for edge in body["data"]["invoices"]["edges"]]
    assert {node["channelId"] for node in nodes} == {"2"}
    assert body["data"]["invoices"]["totalCount"] == 2


async def test_no_header_or_account_only_sees_every_channel(serve: ServeFactory) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    await seed(client, "acme", EVERY_SPEC)
    for caller in (Caller("acme-all-key"), Caller("acme-all-key", {"account": "acme"})):
        status, body = await send(client, caller, NUMBERS)
        assert body["data"]["invoices"]["totalCount"] == 4


async def test_other_account_is_403_before_any_command(serve: ServeFactory) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    before = client.commands

    status, body = await send(client, Caller("acme-all-key", {"account": "globex"}), NUMBERS)

    assert status == 403
    assert client.commands == before
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "not the account of this API key" in error["message"]
    assert "globex" not in error["message"]  # nothing echoed about other accounts


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("{not json", "it is not valid JSON"),
        ("[1, 2]", "it must be a JSON object"),
        ('"acme"', "it must be a JSON object"),
        ('{"account": 12}', "'account' must be a string"),
        ('{"stage": ["production"]}', "'stage' must be a string"),
        ('{"channel": true}', "'channel' must be a non-negative integer"),
        ('{"channel": -1}', "'channel' must be a non-negative integer"),
        ('{"channel": 1.5}', "'channel' must be a non-negative integer"),
        ('{"channel": ""}', "'channel' must be a non-negative integer"),
        ('{"channel": "two words"}', "'channel' must be a non-negative integer"),
        ('{"channel": {"id": 1}}', "'channel' must be a non-negative integer"),
    ],
)
async def test_malformed_header_is_400_naming_the_problem(
    serve: ServeFactory, header: str, reason: str
) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    status, body = await send(client, with_header(header), NUMBERS)

    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_SITE_CONTEXT"
    assert error["message"].startswith(f"Malformed x-site-context header: {reason}")


async def test_create_under_a_channel_lands_in_it(serve: ServeFactory) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    caller = Caller("acme-all-key", {"channel": 7})
    new = {"invoiceNumber": "C-1", "invoiceTotal": "1.00"}

    status, body = await send(client, caller, CREATE, {"input": new})
    assert body["data"]["invoiceCreate"]["invoice"] == {"invoiceNumber": "C-1", "channelId": "7"}

    elsewhere = {"invoiceNumber": "C-2", "invoiceTotal": "1.00", "channelId": "8"}
    status, body = await send(client, caller, CREATE, {"input": elsewhere})
    payload = body["data"]["invoiceCreate"]
    assert payload["invoice"] is None
    assert payload["errors"] == [
        {
            "code": "INVALID_INPUT",
            "field": "channelId",
            "message": 'channelId "8" is outside channel "7" of the x-site-context',
        }
    ]
