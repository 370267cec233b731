"""A page costs a fixed number of database commands, whatever its size."""

from typing import Any

from seeds.demo import generate_demo_invoices
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory

HEAVY_PAGE = """
query Heavy($first: Int!) {
  invoices(first: $first) {
    totalCount
    edges {
      node {
        invoiceNumber
        orders { orderId orderNumber items { sku invoiceLineTotal } }
        payments: orders { payments { paymentMethod settlement { settlementStatusCode } } }
        auditLogs { auditType auditTimestamp }
        customer { email name { first last } }
        relatedInvoices { invoiceNumber invoiceType orders { orderId } }
      }
    }
  }
}
"""


async def seed(client: GraphQLClient) -> None:
    generated = generate_demo_invoices(accounts=("demo",), per_account=140)
    await client.invoices.scoped(Scope("demo")).insert_many(generated)


async def commands_for(client: GraphQLClient, size: int) -> tuple[int, dict[str, Any]]:
    """The commands one request of a page of `size` invoices costs, and its data."""
    before = client.commands
    data = await client.data(HEAVY_PAGE, {"first": size})
    return client.commands - before, data


async def test_page_commands_do_not_grow_with_page_size(serve: ServeFactory) -> None:
    client = await serve()
    await seed(client)
    small, _ = await commands_for(client, 5)
    large, data = await commands_for(client, 100)
    assert large == small <= 4
    edges = data["invoices"]["edges"]
    assert len(edges) == 100
    # The page really did reach the related invoices, through the scope's orders.
    with_related = [edge["node"] for edge in edges if edge["node"]["relatedInvoices"]]
    assert len(with_related) > 5
    for node in with_related:
        mine = {order["orderId"] for order in node["orders"]}
        for related in node["relatedInvoices"]:
            assert mine & {order["orderId"] for order in related["orders"]}
            assert related["invoiceNumber"] != node["invoiceNumber"]
