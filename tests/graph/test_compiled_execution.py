"""Compiled execution as an operator sees it: the switch, the counts in /metrics, the
database commands of compiled reads, and the document cache (graph/compiled/)."""

import re
from typing import Any

import pytest
from graphql import GraphQLScalarType, parse

from bench.selections import full_selection
from graph.compiled import plan
from graph.compiled.executor import MAX_PLANS_PER_DOCUMENT
from graph.compiled.leaves import REMEMBERED, decimal
from graph.compiled.objects import ObjectPlan
from graph.compiled.plan import Compilation
from graph.core_schema import core_schema
from graph.document_cache import DocumentCache
from graph.limits.checks import COSTS_PER_DOCUMENT
from graph.schema import build_schema
from invoicegraph.app import RESOURCES
from store.collection_names import INVOICES
from store.domain.money import Money, is_canonical_money
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.test_compiled_equivalence import CountingIds

PAGE = "{ invoices(first: 3) { totalCount edges { cursor node { invoiceNumber } } } }"
TWO_LOOKUPS = """
query Two($a: ID!, $b: ID!) {
  a: invoice(invoiceId: $a) { invoiceNumber invoiceTotal }
  b: invoice(invoiceId: $b) { invoiceNumber invoiceTotal }
}
"""
SUMMARY = "{ invoiceSummary { count } }"
SOURCE_ONLY = "{ invoices(first: 2) { edges { node { source { modifiedAt } } } } }"
BY_ID = "query One($id: ID!) { invoice(invoiceId: $id) { invoiceNumber } }"
DECIMAL = core_schema(build_schema()).get_type("Decimal")
assert isinstance(DECIMAL, GraphQLScalarType)


async def executions(client: GraphQLClient) -> dict[str, float]:
    response = await client.http.get("/metrics")
    text = await response.text()
    found = {
        match.group(1): float(match.group(2))
        for match in re.finditer(
            r'^invoicegraph_graphql_executions_total\{path="(\w+)"\} (\S+)$', text, re.M
        )
    }
    fallbacks = re.search(r"^invoicegraph_graphql_plan_fallbacks_total (\S+)$", text, re.M)
    assert fallbacks is not None
    found["fallbacks"] = float(fallbacks.group(1))
    return found


async def newest_ids(client: GraphQLClient, count: int) -> list[str]:
    data = await client.data(
        f"{{ invoices(first: {count}) {{ edges {{ node {{ invoiceId }} }} }} }}"
    )
    return [edge["node"]["invoiceId"] for edge in data["invoices"]["edges"]]


async def test_queries_are_compiled_and_counted(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    before = await executions(client)

    await client.data(PAGE)
    await client.data(PAGE)
    await client.data(SUMMARY)

    after = await executions(client)
    assert after["compiled"] - before["compiled"] == 2
    assert after["executor"] - before["executor"] == 1  # summaries are the executor's
    assert after["fallbacks"] == before["fallbacks"]


async def test_switched_off_the_executor_answers_everything(serve: ServeFactory) -> None:
    compiled = await serve(demo_data=True)
    executor = await serve(demo_data=True, compiled_execution=False)

    assert await compiled.post(PAGE) == await executor.post(PAGE)
    counts = await executions(executor)
    assert counts["compiled"] == 0
    assert counts["executor"] >= 1


async def test_compiled_lookups_batch_into_one_command(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    first, second = await newest_ids(client, 2)
    await client.data(TWO_LOOKUPS, {"a": first, "b": second})  # compiles the plan
    before_commands, before = client.commands, await executions(client)

    data = await client.data(TWO_LOOKUPS, {"a": first, "b": second})

    assert client.commands - before_commands == 1  # as the DataLoader batches them
    assert (await executions(client))["compiled"] - before["compiled"] == 1
    assert data["a"]["invoiceNumber"] != data["b"]["invoiceNumber"]


async def test_a_page_with_its_count_costs_two_commands(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    await client.data(PAGE)
    before = client.commands

    await client.data(PAGE)

    assert client.commands - before == 2


async def test_a_nested_object_is_fetched_with_its_required_fields(serve: ServeFactory) -> None:
    """`source { modifiedAt }` alone still fetches `source.system` and `source.id`, which the
    document model requires (it used to fail validation on the executor's path)."""
    for compiled in (True, False):
        client = await serve(demo_data=True, compiled_execution=compiled)
        data = await client.data(SOURCE_ONLY)
        assert len(data["invoices"]["edges"]) == 2


async def test_a_document_the_model_refuses_falls_back_to_the_executor(
    serve: ServeFactory,
) -> None:
    client = await serve(demo_data=True)
    [invoice_id] = await newest_ids(client, 1)
    collection = client.http.app[RESOURCES].database.collection(INVOICES)
    [document] = await collection.find({"invoiceId": invoice_id}, {"_id": 0})
    damaged = {**document, "invoiceId": "damaged", "invoiceNumber": "D1", "version": "two"}
    damaged.pop("source", None)
    await collection.insert_one(damaged)
    await client.post(BY_ID, {"id": invoice_id})  # the plan, compiled on clean data
    before = await executions(client)

    status, body = await client.post(BY_ID, {"id": "damaged"})

    assert status == 200
    assert body["data"] == {"invoice": None}
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    after = await executions(client)
    assert after["fallbacks"] - before["fallbacks"] == 1
    assert after["executor"] - before["executor"] == 1


def test_the_document_cache_keeps_the_most_recent_texts_within_its_size() -> None:
    cache = DocumentCache(max_characters=30)
    for text in ("{ a }", "{ bb }", "{ ccc }"):
        cache.add(text, parse(text))
    assert cache.get("{ a }") is not None  # now the most recently used
    cache.add("{ dddddddddddddd }", parse("{ dddddddddddddd }"))  # 18 more: 36 > 30

    assert cache.get("{ bb }") is None  # the least recently used went first
    assert cache.get("{ a }") is not None
    assert cache.get("{ dddddddddddddd }") is not None
    assert (cache.hits, cache.misses) == (3, 1)
    too_long = "{ " + "x" * 40 + " }"
    assert cache.add(too_long, parse(too_long)).document is not None
    assert cache.get(too_long) is None  # used once, never kept


DIRECTED = """
query Directed($a: Boolean!, $b: Boolean!, $c: Boolean!, $d: Boolean!, $e: Boolean!) {
  invoices(first: 1) {
    edges {
      node {
        invoiceNumber @include(if: $a)
        invoiceTotal @include(if: $b)
        currency @include(if: $c)
        invoiceStatus @include(if: $d)
        invoiceType @include(if: $e)
      }
    }
  }
}
"""


async def test_a_document_keeps_a_bounded_number_of_plans(serve: ServeFactory) -> None:
    """Each setting of the directive variables has its own plan, up to MAX_PLANS_PER_DOCUMENT;
    the settings past it are the executor's, with the same answers."""
    client = await serve(demo_data=True)
    executor = await serve(demo_data=True, compiled_execution=False)
    settings = [
        dict(zip("abcde", (bool(number >> bit & 1) for bit in range(5)), strict=True))
        for number in range(MAX_PLANS_PER_DOCUMENT + 4)
    ]
    before = await executions(client)

    for variables in settings:
        assert await client.post(DIRECTED, variables) == await executor.post(DIRECTED, variables)

    after = await executions(client)
    assert after["compiled"] - before["compiled"] == MAX_PLANS_PER_DOCUMENT
    assert after["executor"] - before["executor"] == 4
    cached = client.http.app[RESOURCES].documents.get(DIRECTED)
    assert cached is not None
    plans = [key for key in cached.derived if key[0] == "plan"]
    assert len(plans) == MAX_PLANS_PER_DOCUMENT


TWO_OPERATIONS = """
query First($first: Int!) { invoices(first: $first) { edges { node { invoiceNumber } } } }
query Count { invoices { totalCount } }
"""


async def test_a_cached_document_learns_once_per_operation(serve: ServeFactory) -> None:
    """Shapes, variable types and plans are kept per operation, not per request: variables
    and repeated requests add nothing once each operation has run, but a cost per page size,
    bounded."""
    client = await serve(demo_data=True)
    for number in range(30):
        if number % 2:
            status, _ = await client.post(TWO_OPERATIONS, {"first": number}, operationName="First")
        else:
            status, _ = await client.post(TWO_OPERATIONS, None, operationName="Count")
        assert status == 200

    cached = client.http.app[RESOURCES].documents.get(TWO_OPERATIONS)
    assert cached is not None
    kinds = sorted(str(key[0]) if isinstance(key, tuple) else key for key in cached.derived)
    # 15 page sizes of First and Count's one setting: as many costs as a document keeps.
    assert kinds.count("cost") == COSTS_PER_DOCUMENT == 16
    others = [kind for kind in kinds if kind != "cost"]
    twice = ["leaf variables", "leaf variables", "plan", "plan", "shape", "shape"]
    assert others == ["directive variables", *twice]


async def test_literal_arguments_are_coerced_once_and_variables_on_every_request(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A root field's arguments without a variable, even deep in an input object, are the
    same on every request: coerced on the first. One that holds a variable follows it."""
    client = await serve(demo_data=True)
    coerced: list[str] = []
    original = plan.get_argument_values

    def counted(definition: Any, node: Any, variables: Any = None) -> dict[str, Any]:
        coerced.append(node.name.value)
        return original(definition, node, variables)

    monkeypatch.setattr(plan, "get_argument_values", counted)
    literal = '{ invoices(first: 2, filter: {currency: {eq: "EUR"}}) { edges { cursor } } }'
    nested = (
        "query Nested($currency: String) "
        "{ invoices(first: 2, filter: {currency: {eq: $currency}}) { totalCount } }"
    )
    pages = [await client.data(literal) for _ in range(3)]
    assert pages[0] == pages[1] == pages[2]
    assert len(pages[0]["invoices"]["edges"]) == 2
    assert coerced == ["invoices"]
    counts = [
        (await client.data(nested, {"currency": currency}))["invoices"]["totalCount"]
        for currency in ("EUR", "USD", "EUR")
    ]
    assert coerced == ["invoices"] * 4
    assert counts[0] == counts[2] != counts[1]
    assert (await executions(client))["executor"] == 0


SOURCE_SYSTEM = (
    "query One($id: ID!) { invoice(invoiceId: $id) { invoiceNumber source { system } } }"
)
NULL_DIRECTIVE = """
query Defaulted($id: ID!, $shown: Boolean = true) {
  invoice(invoiceId: $id) { ...Number @include(if: $shown) }
}
fragment Number on Invoice { invoiceNumber }
"""
LATE_REFUSAL = f"""
{{
  a: invoices(first: 100) {{ edges {{ node {{ {full_selection()} }} }} }}
  b: invoices(first: 101) {{ totalCount }}
}}
"""


async def test_plans_answer_as_the_executor_where_a_review_found_they_did_not(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A required field missing from a nested object nobody selected whole; a null directive
    argument met while collecting fields; a bad argument after a full page."""
    compiled = await serve(demo_data=True)
    executor = await serve(demo_data=True, compiled_execution=False)
    [invoice_id] = await newest_ids(compiled, 1)
    for client in (compiled, executor):
        collection = client.http.app[RESOURCES].database.collection(INVOICES)
        [document] = await collection.find({"invoiceId": invoice_id}, {"_id": 0})
        damaged = {**document, "invoiceId": "no-source-id", "invoiceNumber": "D2"}
        damaged["source"] = {"system": "akinon"}  # the model requires source.id
        await collection.insert_one(damaged)

    # (query, variables, the reads the plan made before giving way)
    cases = [
        (SOURCE_SYSTEM, {"id": "no-source-id"}, 1),  # the document the model refuses
        (NULL_DIRECTIVE, {"id": invoice_id, "shown": None}, 0),  # refused while compiling
        (LATE_REFUSAL, None, 0),  # every root's arguments are checked before any read
    ]
    ids = CountingIds().install(monkeypatch)
    for query, variables, wasted in cases:
        before = compiled.commands, executor.commands
        ids.reset()
        first = await compiled.post(query, variables)
        ids.reset()
        answers = first, await executor.post(query, variables)
        assert answers[0] == answers[1], query
        assert "errors" in answers[0][1], query
        assert compiled.commands - before[0] == executor.commands - before[1] + wasted, query


def _compiler_bug(*_: Any, **__: Any) -> Any:
    raise RuntimeError("a bug in the compiler")


@pytest.mark.parametrize(
    ("target", "name"),
    [(Compilation, "plan"), (ObjectPlan, "__call__")],
    ids=["compiling", "building"],
)
async def test_a_compiler_bug_is_not_hidden_by_a_fallback(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch, target: type, name: str
) -> None:
    """Only the failures a plan expects (CannotCompile, Fallback, a failed read) hand the
    request to the executor; anything else is a bug, answered as an internal error."""
    client = await serve(demo_data=True)
    monkeypatch.setattr(target, name, _compiler_bug)
    before = await executions(client)

    status, body = await client.post(PAGE)

    assert status == 200
    assert body.get("data") is None  # not the executor's page
    assert [error["extensions"]["code"] for error in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    after = await executions(client)
    assert after["fallbacks"] == before["fallbacks"]
    assert after["compiled"] == before["compiled"]


FULL_PAGE = f"{{ invoices(first: 100) {{ edges {{ node {{ {full_selection()} }} }} }} }}"
DATE_AND_TOTAL = "query One($id: ID!) { invoice(invoiceId: $id) { invoiceDate invoiceTotal } }"


def _texts(value: Any, found: list[str]) -> list[str]:
    if isinstance(value, dict):
        for item in value.values():
            _texts(item, found)
    elif isinstance(value, list):
        for item in value:
            _texts(item, found)
    elif isinstance(value, str):
        found.append(value)
    return found


async def test_canonical_texts_skip_the_validator_and_are_remembered_once_proven(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full page of stored canonical instants (the 29th to the 31st included) and amounts
    calls neither scalar's serializer: each text is checked by its format alone, then looked
    up (graph/compiled/leaves.py). A text the model coerces is converted, never remembered."""
    client = await serve(demo_data=True)
    app = client.http.app[RESOURCES]
    schema = core_schema(app.schema)
    serialized: list[str] = []
    for name in ("DateTime", "Decimal"):
        scalar = schema.get_type(name)
        assert isinstance(scalar, GraphQLScalarType)
        serialize = scalar.serialize
        monkeypatch.setattr(
            scalar,
            "serialize",
            lambda value, serialize=serialize: serialized.append(value) or serialize(value),
        )
    collection = app.database.collection(INVOICES)
    stored = await collection.find({}, {"_id": 0, "_units": 0, "_search": 0})
    instants = [t for t in _texts(stored, []) if len(t) == 30 and t[10] == "T" and t[-1] == "Z"]
    late_days = [text for text in instants if text[8:10] >= "29"]
    assert late_days, "the demo data holds instants on the 29th to the 31st"

    data = await client.data(FULL_PAGE)
    await client.data(FULL_PAGE)

    assert len(data["invoices"]["edges"]) == 100
    assert serialized == []

    [invoice_id] = await newest_ids(client, 1)
    [document] = await collection.find({"invoiceId": invoice_id}, {"_id": 0})
    coerced = {"invoiceDate": "2031-01-30T10:11:12.13Z", "invoiceTotal": "0120.5"}
    await collection.insert_one(
        {
            **document,
            "invoiceId": "coerced",
            "invoiceNumber": "C1",
            "source": {"system": "t", "id": "c"},
            **coerced,
        }
    )
    answers = [await client.data(DATE_AND_TOTAL, {"id": "coerced"}) for _ in range(2)]
    assert answers[0] == answers[1]
    assert answers[0]["invoice"] == {
        "invoiceDate": "2031-01-30T10:11:12.130Z",  # in groups of three digits
        "invoiceTotal": "120.5",
    }
    assert len(serialized) == 4  # both values, both times: never remembered
    plans = [plan for key, plan in _derived(client, DATE_AND_TOTAL) if key[0] == "plan"]
    [lookup] = plans[0].roots
    remembered = [read.convert.answers for read in lookup.invoice.reads]
    assert all(text not in memory for text in coerced.values() for memory in remembered)


def _derived(client: GraphQLClient, text: str) -> list[tuple[Any, Any]]:
    cached = client.http.app[RESOURCES].documents.get(text)
    assert cached is not None
    return [(key, value) for key, value in cached.derived.items() if isinstance(key, tuple)]


def test_remembered_texts_stay_within_their_bound() -> None:
    convert = decimal(Money, is_canonical_money, DECIMAL)
    assert convert.answers is not None
    for cents in range(REMEMBERED + 10):
        assert convert(f"{cents // 100}.{cents % 100:02d}") is not None
    assert 0 < len(convert.answers) <= REMEMBERED
