"""invoiceEvents cursors: each key's value has the type of its key, or the cursor is refused."""

import base64

import orjson
import pytest

from graph.resolvers.pagination import sort_signature
from store.domain.events import EVENT_ORDER
from tests.conftest import ServeFactory

EVENTS = """
query Events($after: String) {
  invoiceEvents(after: $after, first: 5) { edges { cursor } }
}
"""


def cursor(values: list[object]) -> str:
    payload = orjson.dumps([sort_signature(EVENT_ORDER), values])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["7"],  # a sequence number as text
        [7.5],  # not a whole number
        [{"$gt": 0}],  # an operator
        [1, 2],  # one value too many
    ],
)
async def test_events_refuse_a_cursor_with_values_of_the_wrong_type(
    serve: ServeFactory, values: list[object]
) -> None:
    client = await serve()

    status, body = await client.post(EVENTS, {"after": cursor(values)})

    assert status == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "Invalid argument 'after': not a cursor returned by this API"


async def test_events_accept_a_cursor_of_the_right_types(serve: ServeFactory) -> None:
    client = await serve()
    well_typed = cursor([7])

    await client.data(EVENTS, {"after": well_typed})
