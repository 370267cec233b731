"""Demo data: on by default for the embedded store only, loaded only into empty accounts."""

import pytest

from invoicegraph.app import load_demo_data
from invoicegraph.settings import Settings
from seeds.demo import generate_demo_invoices
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory

COUNT = "{ invoices(first: 1) { totalCount } }"
REFERENCE = '{ invoice(invoiceId: "62ff5c0bec0aed3c86202c32") { invoiceNumber } }'


@pytest.mark.parametrize(
    ("environment", "mongodb_uri", "loads"),
    [
        ({}, None, True),
        ({}, "mongodb://db.example:27017", False),
        ({"INVOICEGRAPH_DEMO_DATA": "true"}, "mongodb://db.example:27017", True),
        ({"INVOICEGRAPH_DEMO_DATA": "false"}, None, False),
    ],
)
def test_demo_data_default_depends_on_the_store(
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    mongodb_uri: str | None,
    loads: bool,
) -> None:
    monkeypatch.delenv("INVOICEGRAPH_DEMO_DATA", raising=False)
    monkeypatch.delenv("MONGODB_URI", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert Settings(mongodb_uri=mongodb_uri).loads_demo_data is loads


async def test_demo_data_skips_an_account_that_holds_invoices(serve: ServeFactory) -> None:
    client = await serve()
    own = generate_demo_invoices(accounts=("acme",), per_account=2)
    await client.invoices.scoped(Scope("acme")).insert_many(own)
    acme = GraphQLClient(client.http, key="acme-reader-key")

    await load_demo_data(client.invoices)

    assert (await acme.data(COUNT))["invoices"]["totalCount"] == 2
    assert (await client.data(REFERENCE))["invoice"] == {"invoiceNumber": "23940791"}
    assert (await client.data(COUNT))["invoices"]["totalCount"] > 2


async def test_demo_data_is_not_loaded_twice(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    before = (await client.data(COUNT))["invoices"]["totalCount"]

    assert await load_demo_data(client.invoices) == 0

    assert (await client.data(COUNT))["invoices"]["totalCount"] == before
