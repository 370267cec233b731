"""Subscriptions over real sockets: the served app's address and a writer to make changes."""

from typing import Any

from tests.conftest import GraphQLClient

CREATE = """
mutation Create($number: String!) {
  invoiceCreate(input: {invoiceNumber: $number, invoiceTotal: "5.00", invoiceStatus: ISSUED}) {
    invoice { invoiceId }
  }
}
"""
TAG = """
mutation Tag($id: ID!, $key: String!) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: {tag: $key}) { errors { code } }
}
"""
SUBSCRIPTION = """
subscription Live($after: String) {
  invoiceEvents(after: $after) { cursor node { invoiceId version type } }
}
"""


def socket_url(client: GraphQLClient) -> str:
    return str(client.http.make_url("/graphql")).replace("http://", "ws://", 1)


async def create(client: GraphQLClient, number: str) -> str:
    data: dict[str, Any] = await client.data(CREATE, {"number": number})
    invoice_id: str = data["invoiceCreate"]["invoice"]["invoiceId"]
    return invoice_id


async def tag(client: GraphQLClient, invoice_id: str, key: str) -> None:
    await client.data(TAG, {"id": invoice_id, "key": key})
