"""Mutation fields run in order: a field reads anew what an earlier field changed or created.

`relatedInvoices` reads through the request's loaders, which keep what they loaded for the
whole request; the writer (graph/context.py) drops each invoice it changes from them.
"""

from typing import Any

from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.invoice_states import stored_invoice

ORDERS = [
    {
        "orderId": "order-shared",
        "invoiceOrderTotal": "5.00",
        "items": [{"sku": "SKU-1", "invoiceLineTotal": "5.00"}],
    }
]

NUMBER = "query Number($id: ID!) { invoice(invoiceId: $id) { invoiceNumber } }"
CHANGE_BETWEEN_READS = """
mutation ChangeBetweenReads($shipping: ID!, $refund: ID!, $one: JSON, $two: JSON, $three: JSON) {
  read: invoiceAttributesUpdate(invoiceId: $shipping, attributes: $one) {
    invoice { relatedInvoices { invoiceId version attributes } }
    errors { code }
  }
  change: invoiceAttributesUpdate(invoiceId: $refund, attributes: $two) {
    invoice { version }
    errors { code }
  }
  reread: invoiceAttributesUpdate(invoiceId: $shipping, attributes: $three) {
    invoice { relatedInvoices { invoiceId version attributes } }
    errors { code }
  }
}
"""
CREATE_BETWEEN_READS = """
mutation CreateBetweenReads($shipping: ID!, $input: InvoiceCreateInput!, $one: JSON, $two: JSON) {
  read: invoiceAttributesUpdate(invoiceId: $shipping, attributes: $one) {
    invoice { relatedInvoices { invoiceNumber } }
    errors { code }
  }
  create: invoiceCreate(input: $input) { invoice { invoiceNumber } errors { code message } }
  reread: invoiceAttributesUpdate(invoiceId: $shipping, attributes: $two) {
    invoice { relatedInvoices { invoiceNumber } }
    errors { code }
  }
}
"""


async def two_invoices_of_one_order(client: GraphQLClient) -> tuple[str, str]:
    shipping = await stored_invoice(client, orders=ORDERS)
    refund = await stored_invoice(client, orders=ORDERS)
    return shipping.invoiceId, refund.invoiceId


def no_errors(data: dict[str, Any]) -> None:
    assert [payload["errors"] for payload in data.values()] == [[]] * len(data)


async def test_later_field_reads_the_invoice_an_earlier_field_changed(serve: ServeFactory) -> None:
    client = await serve()
    shipping, refund = await two_invoices_of_one_order(client)

    data = await client.data(
        CHANGE_BETWEEN_READS,
        {
            "shipping": shipping,
            "refund": refund,
            "one": {"step": 1},
            "two": {"step": 2},
            "three": {"step": 3},
        },
    )

    no_errors(data)
    [before] = data["read"]["invoice"]["relatedInvoices"]
    assert before == {"invoiceId": refund, "version": 1, "attributes": None}
    assert data["change"]["invoice"]["version"] == 2
    [after] = data["reread"]["invoice"]["relatedInvoices"]
    assert after == {"invoiceId": refund, "version": 2, "attributes": {"step": 2}}


async def test_later_field_reads_the_invoice_an_earlier_field_created(
    serve: ServeFactory,
) -> None:
    client = await serve()
    shipping, refund = await two_invoices_of_one_order(client)
    refund_number = (await client.data(NUMBER, {"id": refund}))["invoice"]["invoiceNumber"]
    new = {"invoiceNumber": "NEW-1", "invoiceTotal": "5.00", "orders": ORDERS}

    data = await client.data(
        CREATE_BETWEEN_READS,
        {"shipping": shipping, "input": new, "one": {"step": 1}, "two": {"step": 2}},
    )

    no_errors(data)
    assert data["read"]["invoice"]["relatedInvoices"] == [{"invoiceNumber": refund_number}]
    numbers = {related["invoiceNumber"] for related in data["reread"]["invoice"]["relatedInvoices"]}
    assert numbers == {refund_number, "NEW-1"}
