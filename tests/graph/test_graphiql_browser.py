"""GraphiQL in a real headless Chromium: the page loads from this server alone and runs a query."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graph.http.graphiql_examples import EXAMPLE_OPERATIONS
from seeds.ingest import ingest_records
from seeds.sources import read_records
from store.invoices import Scope
from tests.conftest import ServeFactory, without_cost
from tests.graph.node_scripts import missing, run_node
from tests.graph.test_graphiql import operation_name

CHROMIUM = Path("/usr/bin/chromium")
EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "fabric-example.json"


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, which `make test` installs when it is missing."""
    if not CHROMIUM.is_file():
        missing(f"Chromium is not installed at {CHROMIUM}")
    return CHROMIUM


async def test_graphiql_runs_first_example_in_chromium(
    serve: ServeFactory, chromium: Path, tmp_path: Path
) -> None:
    client = await serve()
    report = await ingest_records(read_records(EXAMPLE), client.invoices.scoped(Scope("demo")))
    assert report.stored == 1
    url = str(client.http.make_url("/graphql"))
    screenshot = tmp_path / "graphiql.png"

    seen = await run_node("graphiql-browser.mjs", url, str(screenshot), str(chromium))

    # One tab per example operation, named after it.
    assert seen["tabs"] == [operation_name(example) for example in EXAMPLE_OPERATIONS]
    # The first tab ran with its variables and the headers example: the reference invoice.
    assert without_cost(seen["result"]) == {
        "data": {"invoice": {**seen["result"]["data"]["invoice"], "invoiceNumber": "23940791"}}
    }
    assert seen["result"]["data"]["invoice"]["orders"][0]["items"]
    # Everything came from this server: no CDN, nothing refused, no script error.
    origin = urlsplit(url).netloc
    assert {urlsplit(request).netloc for request in seen["requests"]} == {origin}
    assert seen["failures"] == []
    assert seen["errors"] == []
    assert screenshot.stat().st_size > 10_000


async def test_graphiql_runs_a_subscription_and_shows_an_event(
    serve: ServeFactory, chromium: Path
) -> None:
    client = await serve(subscription_poll_seconds=0.2)
    client.key = "demo-writer-key"
    created = await client.data(
        'mutation { invoiceCreate(input: {invoiceNumber: "GQ-1", invoiceTotal: "1.00"}) '
        "{ invoice { invoiceId } } }"
    )
    invoice_id = created["invoiceCreate"]["invoice"]["invoiceId"]
    await client.data(
        "mutation($id: ID!) { invoiceAttributesUpdate(invoiceId: $id, attributes: {opened: true})"
        " { errors { code } } }",
        {"id": invoice_id},
    )
    feed = await client.data("{ invoiceEvents { edges { cursor node { invoiceId version } } } }")
    (creation,) = [
        edge["cursor"]
        for edge in feed["invoiceEvents"]["edges"]
        if edge["node"] == {"invoiceId": invoice_id, "version": 1}
    ]
    url = str(client.http.make_url("/graphql"))

    # Resuming after the creation: the pane shows version 2 whenever the subscription
    # starts (no race with the change), then version 3, made once version 2 was shown.
    seen = await run_node(
        "graphiql-subscription.mjs", url, "demo-writer-key", invoice_id, creation, str(chromium)
    )

    caught_up, live = (
        seen["caughtUp"]["data"]["invoiceEvents"],
        seen["live"]["data"]["invoiceEvents"],
    )
    assert caught_up["node"] == {
        "invoiceId": invoice_id,
        "version": 2,
        "type": "ATTRIBUTES_UPDATE",
        "changedFields": ["attributes.opened"],
    }
    assert live["node"] == {
        "invoiceId": invoice_id,
        "version": 3,
        "type": "ATTRIBUTES_UPDATE",
        "changedFields": ["attributes.seen"],
    }
    # Over the page's own server: one WebSocket to /graphql, no script error.
    assert seen["sockets"] == [url.replace("http://", "ws://", 1)]
    assert seen["errors"] == []
