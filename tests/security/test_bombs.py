"""The classic bombs, at the default limits: refused without a database command.

The server-side duration of each refusal is the request log's `duration_ms`
(invoicegraph/observability.py); it is reported as a test property, never asserted.
"""

import logging
from typing import Any

import pytest

from tests.conftest import ServeFactory
from tests.security.tenants import EVERY_SPEC, SERVE_KEYS, seed

DEPTH_BOMB = (
    '{ invoice(invoiceId: "x") { '
    + "relatedInvoices { " * 400
    + "invoiceNumber"
    + " }" * 400
    + " } }"
)
"""400 nested levels: refused by the lexer's bracket count, before the parser recurses."""

ALIAS_BOMB = (
    "{ "
    + " ".join(
        f"a{n}: invoices(first: 100) {{ edges {{ node {{ invoiceNumber }} }} }}" for n in range(100)
    )
    + " }"
)
"""100 aliased full pages (10,000 invoices) in 1,700 tokens, under the token limit."""

COST_BOMB = (
    "{ "
    + " ".join(
        f"p{n}: invoices(first: 100) {{ edges {{ node {{ orders {{ items {{ sku }} }} "
        "relatedInvoices { orders { items { sku } } relatedInvoices { invoiceNumber } } } } }"
        for n in range(30)
    )
    + " }"
)
"""30 aliased pages (the alias limit) of invoices and their related invoices: cost 21,060."""

BOMBS = {
    "depth": (DEPTH_BOMB, "depth"),
    "alias": (ALIAS_BOMB, "aliases"),
    "cost": (COST_BOMB, "cost"),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
async def test_bomb_is_refused_without_a_database_command(
    serve: ServeFactory,
    caplog: pytest.LogCaptureFixture,
    record_property: Any,
    bomb: str,
) -> None:
    client = await serve(api_keys=SERVE_KEYS)
    await seed(client, "acme", EVERY_SPEC)  # data there to read, were anything to reach it
    client.key = "acme-all-key"
    document, limit = BOMBS[bomb]
    before = client.commands
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")

    status, body = await client.post(document)

    assert client.commands == before
    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == limit
    [line] = [r for r in caplog.records if r.name == "invoicegraph.requests"]
    fields = line.fields  # type: ignore[attr-defined]
    assert fields["refusal"] == "QUERY_TOO_COMPLEX"
    record_property(f"{bomb}_bomb_server_ms", fields["duration_ms"])
    print(f"{bomb} bomb refused in {fields['duration_ms']} ms of server time")
