"""Projection pushdown: MongoDB returns only what the selection reads."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import bson
import pytest

from bench.selections import full_selection
from invoicegraph.app import RESOURCES
from seeds.demo import generate_demo_invoices
from store.client import Collection, Document
from store.collection_names import INVOICES
from store.domain.events import PENDING_EVENTS
from store.invoices import Scope, from_document
from store.keyset import SortKey
from store.search_keys import VERSION
from tests.conftest import GraphQLClient, ServeFactory

FRAGMENTS = """
query Page($withCustomer: Boolean!, $skipTotal: Boolean!) {
  invoices(first: 3) {
    edges {
      node {
        ...Numbers
        ... on Invoice { customer @include(if: $withCustomer) { email } }
        ... @skip(if: $skipTotal) { invoiceTotal }
        first: orders { items { sku } }
        second: orders { orderNumber }
        location @skip(if: true) { locationNum }
        __typename
      }
    }
  }
}
fragment Numbers on Invoice { invoiceNumber shipInfo { shipMethod } id }
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { id ... on Invoice { currency relatedInvoices { invoiceNumber } } }
}
"""

TWO_MIXED = """
query Both($id: ID!) {
  short: invoice(invoiceId: $id) { invoiceNumber }
  long: invoice(invoiceId: $id) { invoiceNumber customer { email } }
}
"""

TWO_SCALARS = "{ invoices(first: 100) { edges { node { invoiceNumber invoiceStatus } } } }"
EVERYTHING = f"{{ invoices(first: 100) {{ edges {{ node {{ {full_selection()} }} }} }} }}"
ONLY_COUNT = "{ invoices(first: 100) { totalCount } }"

REQUIRED = {"invoiceId", "invoiceNumber", "invoiceDate", "createdAt", "invoiceTotal"}
REQUIRED |= {"account", "version"}


@dataclass
class Fetch:
    projection: Mapping[str, Any] | None
    documents: list[Document]

    @property
    def paths(self) -> set[str]:
        assert self.projection is not None
        return {path for path, keep in self.projection.items() if keep}

    @property
    def size(self) -> int:
        return sum(len(bson.encode(document)) for document in self.documents)


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[Fetch]:
    """Every find of invoices the store sends during the test, with what MongoDB returned.

    Not the event relay's, which looks for pending events beside the requests
    (store/event_relay.py).
    """
    recorded: list[Fetch] = []
    relays = f"{PENDING_EVENTS}.account"
    find, find_one = Collection.find, Collection.find_one

    async def recording_find(
        self: Collection, filter: Any, projection: Any = None, **kw: Any
    ) -> list[Document]:
        documents = await find(self, filter, projection, **kw)
        if self._raw.name == INVOICES and VERSION not in filter and relays not in filter:
            recorded.append(Fetch(projection, documents))
        return documents

    async def recording_find_one(
        self: Collection, filter: Any, projection: Any = None
    ) -> Document | None:
        document = await find_one(self, filter, projection)
        if self._raw.name == INVOICES:
            recorded.append(Fetch(projection, [document] if document else []))
        return document

    monkeypatch.setattr(Collection, "find", recording_find)
    monkeypatch.setattr(Collection, "find_one", recording_find_one)
    return recorded


async def seeded(serve: ServeFactory) -> GraphQLClient:
    client = await serve()
    generated = generate_demo_invoices(accounts=("demo",), per_account=120)
    await client.invoices.scoped(Scope("demo")).insert_many(generated)
    return client


async def test_projection_follows_fragments_aliases_and_directives(
    serve: ServeFactory, fetches: list[Fetch]
) -> None:
    client = await seeded(serve)
    await client.data(FRAGMENTS, {"withCustomer": True, "skipTotal": True})
    [page] = fetches
    assert page.paths == REQUIRED | {
        "shipInfo.shipMethod",
        "customer.email",
        "orders.items.sku",
        "orders.orderNumber",
    }
    fetches.clear()
    data = await client.data(FRAGMENTS, {"withCustomer": False, "skipTotal": False})
    [page] = fetches
    assert page.paths == REQUIRED | {
        "shipInfo.shipMethod",
        "orders.items.sku",
        "orders.orderNumber",
    }
    node = data["invoices"]["edges"][0]["node"]
    assert node["first"][0]["items"][0]["sku"]
    assert node["second"][0]["orderNumber"]
    assert node["shipInfo"]["shipMethod"]


async def test_projection_pulls_the_sources_of_computed_fields(
    serve: ServeFactory, fetches: list[Fetch]
) -> None:
    client = await seeded(serve)
    page = await client.data("{ invoices(first: 50) { edges { node { id } } } }")
    global_id = page["invoices"]["edges"][0]["node"]["id"]
    fetches.clear()
    data = await client.data(NODE, {"id": global_id})
    invoice, related = fetches
    # relatedInvoices reads the orderIds; the related invoices come with their own fields.
    assert invoice.paths == REQUIRED | {"currency", "orders.orderId"}
    assert related.paths == REQUIRED | {"orders.orderId"}
    assert data["node"]["id"] == global_id


async def test_loaders_keep_projections_apart(serve: ServeFactory, fetches: list[Fetch]) -> None:
    client = await seeded(serve)
    [(row, _)] = await client.invoices.scoped(Scope("demo")).find_page(
        None, [SortKey("invoiceId")], None, 1
    )
    invoice = from_document(row)
    assert invoice.customer is not None
    fetches.clear()
    data = await client.data(TWO_MIXED, {"id": invoice.invoiceId})
    assert data["short"] == {"invoiceNumber": invoice.invoiceNumber}
    assert data["long"]["customer"] == {"email": invoice.customer.email}
    assert sorted(len(fetch.paths) for fetch in fetches) == [len(REQUIRED), len(REQUIRED) + 1]


async def test_two_scalars_fetch_under_five_percent_of_the_bytes(
    serve: ServeFactory, fetches: list[Fetch]
) -> None:
    client = await seeded(serve)
    scope = client.invoices.scoped(Scope("demo")).where()
    database = client.http.app[RESOURCES].database
    stored = await database.collection(INVOICES).find(scope, {"_id": 0}, limit=101)
    fetches.clear()
    await client.data(TWO_SCALARS)
    [scalars] = fetches
    fetches.clear()
    await client.data(EVERYTHING)
    [everything] = fetches
    # A page reads one invoice more, to tell whether another page follows.
    assert len(scalars.documents) == len(everything.documents) == 101
    full = sum(len(bson.encode(document)) for document in stored)
    # Every field selected: the projection drops nothing but the internal keys.
    assert everything.size > 0.9 * full
    assert scalars.size < 0.05 * everything.size
    print(f"two scalars: {scalars.size} bytes; everything: {everything.size}; stored {full}")


async def test_count_alone_reads_no_page(serve: ServeFactory, fetches: list[Fetch]) -> None:
    client = await seeded(serve)
    visible = await client.invoices.scoped(Scope("demo")).count()
    before = client.commands
    data = await client.data(ONLY_COUNT)
    assert data == {"invoices": {"totalCount": visible}}
    assert fetches == []
    assert client.commands - before == 1
