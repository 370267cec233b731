"""Queries asked again skip Strawberry's pipeline (graph/http/plan_route.py): which requests
take the route, and that a plan giving way there spends the key's budget once. The route's
answers are held equal to the executor's by the equivalence suite, which asks every compiled
question twice (tests/graph/test_compiled_equivalence.py)."""

from typing import Any

import pytest

from graph.schema import InvoiceGraphSchema
from invoicegraph.app import RESOURCES
from store.collection_names import INVOICES
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.test_compiled_execution import executions

PAGE = "{ invoices(first: 1) { edges { node { invoiceNumber } } } }"  # costs 3
NEWEST = "{ invoices(first: 1) { edges { node { invoiceId } } } }"  # costs 3


@pytest.fixture
def pipeline_runs(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The documents Strawberry's pipeline (`schema.execute`) runs, in order."""
    runs: list[str | None] = []
    execute = InvoiceGraphSchema.execute

    async def counted(self: InvoiceGraphSchema, query: str | None, *args: Any, **kw: Any) -> Any:
        runs.append(query)
        return await execute(self, query, *args, **kw)

    monkeypatch.setattr(InvoiceGraphSchema, "execute", counted)
    return runs


async def test_a_query_asked_again_skips_the_pipeline(
    serve: ServeFactory, pipeline_runs: list[str | None]
) -> None:
    client = await serve(demo_data=True)
    before = await executions(client)

    answers = [await client.post(PAGE) for _ in range(3)]

    assert answers[0] == answers[1] == answers[2]
    assert pipeline_runs == [PAGE]  # the first only: it parses, validates and compiles
    after = await executions(client)
    assert after["compiled"] - before["compiled"] == 3


async def test_what_the_route_leaves_to_the_pipeline(
    serve: ServeFactory, pipeline_runs: list[str | None]
) -> None:
    compiled = await serve(demo_data=True)
    executor = await serve(demo_data=True, compiled_execution=False)
    summary = "{ invoiceSummary { count } }"  # not compiled
    two = "query A { __typename } query B { __typename }"

    for client in (compiled, compiled):
        await client.post(summary)
        await client.post(two)  # no operationName: a request error, every time
    for _ in range(2):
        await executor.post(PAGE)

    assert pipeline_runs == [summary, two, summary, two, PAGE, PAGE]


async def damage_newest(client: GraphQLClient) -> None:
    """A number for the newest invoice's text invoiceNumber: its plan gives way."""
    collection = client.http.app[RESOURCES].database.collection(INVOICES)
    data = await client.data(NEWEST)
    invoice_id = data["invoices"]["edges"][0]["node"]["invoiceId"]
    await collection.update_one(
        {"account": "demo", "invoiceId": invoice_id}, {"$set": {"invoiceNumber": 7}}
    )


async def test_a_plan_giving_way_spends_the_budget_once(
    serve: ServeFactory, pipeline_runs: list[str | None]
) -> None:
    # A bucket of 11 at a point per 1000 s: three queries of 3 pass, a fourth waits.
    client = await serve(demo_data=True, cost_restore_rate=0.001, cost_bucket_size=11)
    await damage_newest(client)
    before = await executions(client)

    answers = [await client.post(PAGE) for _ in range(3)]

    assert [status for status, _ in answers] == [200, 200, 429]
    codes = [[error["extensions"]["code"] for error in body["errors"]] for _, body in answers]
    assert codes == [["INTERNAL_SERVER_ERROR"]] * 2 + [["THROTTLED"]]  # the executor's answer
    assert 2 <= answers[2][1]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 2.01
    after = await executions(client)
    assert after["fallbacks"] - before["fallbacks"] == 2  # the pipeline's try, then the route's
    assert after["compiled"] == before["compiled"]
    # The second took the route, gave way, and went through the pipeline; the route refused
    # the third itself.
    assert pipeline_runs == [NEWEST, PAGE, PAGE]
