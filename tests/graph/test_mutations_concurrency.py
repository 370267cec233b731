"""No lost updates: concurrent writers over real HTTP, each retrying on VERSION_CONFLICT."""

import asyncio
from collections import Counter

import pytest

from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.invoice_states import reread, stored_invoice

# Served tests on both backends: the embedded store and a MongoDB-speaking server.
pytestmark = pytest.mark.both_backends

WRITERS = 20

VERSION = "query Version($id: ID!) { invoice(invoiceId: $id) { version } }"
SET_ATTRIBUTE = """
mutation Set($id: ID!, $set: JSON, $expected: Int) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: $set, expectedVersion: $expected) {
    invoice { version }
    errors { code currentVersion }
  }
}
"""
EVENTS = """
query Events($after: String) {
  invoiceEvents(first: 100, after: $after) {
    edges { node { invoiceId version type eventId } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def write_once(client: GraphQLClient, invoice_id: str, writer: int) -> tuple[int, int]:
    """Set this writer's key, retrying on conflicts: (version written, conflicts met)."""
    expected = (await client.data(VERSION, {"id": invoice_id}))["invoice"]["version"]
    conflicts = 0
    while True:
        variables = {"id": invoice_id, "set": {f"writer{writer}": writer}, "expected": expected}
        result = (await client.data(SET_ATTRIBUTE, variables))["invoiceAttributesUpdate"]
        if not result["errors"]:
            return result["invoice"]["version"], conflicts
        [error] = result["errors"]
        assert error["code"] == "VERSION_CONFLICT", error
        conflicts += 1
        expected = error["currentVersion"]


async def test_concurrent_writers_with_expected_version_each_land_exactly_once(
    serve: ServeFactory,
) -> None:
    server = await serve()
    stored = await stored_invoice(server, attributes={"start": True})
    start = stored.version
    clients = [GraphQLClient(server.http, key="demo-writer-key") for _ in range(WRITERS)]

    outcomes = await asyncio.gather(
        *(write_once(client, stored.invoiceId, n) for n, client in enumerate(clients))
    )

    versions = sorted(version for version, _ in outcomes)
    assert versions == list(range(start + 1, start + WRITERS + 1))
    assert sum(conflicts for _, conflicts in outcomes) > 0  # the writers did collide
    after = await reread(server, stored)
    assert after.version == start + WRITERS
    assert after.attributes == {"start": True, **{f"writer{n}": n for n in range(WRITERS)}}
    written = Counter(
        field.fieldName for entry in after.auditLogs or [] for field in entry.updatedFields or []
    )
    assert written == {f"attributes.writer{n}": 1 for n in range(WRITERS)}
    events = (await server.data(EVENTS))["invoiceEvents"]["edges"]
    assert [edge["node"]["version"] for edge in events] == versions
    assert {edge["node"]["eventId"] for edge in events} == {
        entry.auditId for entry in after.auditLogs or []
    }
