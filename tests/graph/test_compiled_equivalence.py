"""Compiled plans answer byte for byte as the executor does (graph/compiled/).

Every case sends one request twice to the same served app: once with compiled execution
on, once off, and compares the status and the raw body. Error ids are made deterministic
for both runs (they are random by design). The corpus: every query document written in
the tests and examples, then hypothesis-generated selections over the invoice type
(aliases, fragments, directives, variables) on the demo data, then stored documents with
nulls and wrong values injected, which the plans must refuse exactly where the executor's
path does.
"""

import copy
import importlib
import itertools
import pkgutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import graph.http.responses
import tests.graph
import tests.security
from bench.selections import full_selection
from bench.workload import FILTERED_PAGE, FULL_PAGE, LOOKUP, SMALL_PAGE
from graph.core_schema import core_schema
from graph.global_ids import invoice_global_id
from graph.http.graphiql_examples import EXAMPLE_OPERATIONS
from graph.schema import build_schema
from invoicegraph.app import RESOURCES
from store.client import DuplicateKeyError
from store.collection_names import INVOICES
from tests.conftest import GraphQLClient, ServeFactory

GRAPHQL_SCHEMA = core_schema(build_schema())

SELECTION_EXAMPLES = 2_000
MONGODB_SELECTION_EXAMPLES = 60
CORRUPTION_EXAMPLES = 400


def case_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # One server answers every case: the app and its caches are what is under test.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


class CountingIds:
    """Stands in for uuid.uuid4 in the view: error ids 0, 1, 2... from each `reset`."""

    def __init__(self) -> None:
        self.counter = itertools.count()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "CountingIds":
        """Replace the view's `uuid` module, not the module's `uuid4`: PyMongo makes its
        session ids with `uuid.uuid4().bytes`, and a patched module broke every command."""
        monkeypatch.setattr(graph.http.responses, "uuid", SimpleNamespace(uuid4=self))
        return self

    def reset(self) -> None:
        self.counter = itertools.count()

    def __call__(self) -> Any:
        return _Id(f"{next(self.counter):032x}")


@dataclass(frozen=True)
class _Id:
    hex: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    compiled: bool


class Twin:
    """One served app, asked each question with compiled execution on and then off."""

    def __init__(self, client: GraphQLClient, ids: CountingIds) -> None:
        self.client = client
        self.ids = ids
        self.executions = client.http.app[RESOURCES].executions
        self._newest: list[tuple[str, str]] | None = None

    async def ask(self, query: str, variables: dict[str, Any] | None) -> tuple[Answer, Answer]:
        """The compiled answer and the executor's. The compiled path answers twice, first
        building invoice answers and then finding them remembered (answer_memo.py): both
        answers must be the same bytes."""
        answers = []
        for enabled in (True, True, False):
            self.executions.enabled = enabled
            self.ids.reset()
            compiled_before = self.executions.compiled
            response = await self.client.http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers=self.client.headers(),
            )
            body = await response.read()
            answers.append(
                Answer(response.status, body, self.executions.compiled > compiled_before)
            )
        self.executions.enabled = True
        built, remembered, executed = answers
        assert (remembered.status, remembered.body) == (built.status, built.body), query
        return built, executed

    async def newest(self, count: int) -> list[tuple[str, str]]:
        """(invoiceId, invoiceNumber) of the newest invoices, read once per test."""
        if self._newest is None:
            self._newest = await stored_ids(self.client, count)
        return self._newest

    async def same(self, query: str, variables: dict[str, Any] | None = None) -> bool:
        """Both answers are identical; True when the first came from a compiled plan."""
        compiled, executed = await self.ask(query, variables)
        assert not executed.compiled
        assert (compiled.status, compiled.body) == (executed.status, executed.body), (
            f"compiled and executed answers differ for {query!r} {variables!r}"
        )
        return compiled.compiled


@pytest.fixture
async def twin(serve: ServeFactory, monkeypatch: pytest.MonkeyPatch) -> Twin:
    ids = CountingIds().install(monkeypatch)
    return Twin(await serve(demo_data=True), ids)


async def stored_ids(client: GraphQLClient, count: int) -> list[tuple[str, str]]:
    """(invoiceId, invoiceNumber) of the newest invoices the demo key sees."""
    data = await client.data(
        f"{{ invoices(first: {count}) {{ edges {{ node {{ invoiceId invoiceNumber }} }} }} }}"
    )
    return [(e["node"]["invoiceId"], e["node"]["invoiceNumber"]) for e in data["invoices"]["edges"]]


# --- the written corpus -------------------------------------------------------------------


def written_queries() -> list[str]:
    """Every query document held in a test module's or an example's constants."""
    found = {example.document for example in EXAMPLE_OPERATIONS}
    found |= {FULL_PAGE, SMALL_PAGE, FILTERED_PAGE, LOOKUP}
    for package in (tests.graph, tests.security):
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name == __name__.rsplit(".", 1)[-1]:
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            found |= {value for value in _strings(vars(module)) if _is_query(value)}
    return sorted(found)


def _strings(namespace: dict[str, Any]) -> Iterator[str]:
    for name, value in namespace.items():
        if name.isupper() and isinstance(value, str):
            yield value
        elif name.isupper() and isinstance(value, dict | list | tuple):
            items = value.values() if isinstance(value, dict) else value
            yield from (item for item in items if isinstance(item, str))


def _is_query(text: str) -> bool:
    try:
        document = parse(text)
    except Exception:  # noqa: BLE001  # any constant that is not a GraphQL document
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(o.operation is OperationType.QUERY for o in operations)


def variables_for(query: str, invoice: tuple[str, str]) -> dict[str, Any]:
    """Values for the variables a written document declares, by their usual names."""
    invoice_id, number = invoice
    usual = {
        "id": invoice_id,
        "invoiceId": invoice_id,
        "invoiceNumber": number,
        "number": number,
        "nodeId": invoice_global_id(invoice_id),
        "first": 5,
        "status": "CAPTURED",
        "type": "SHIPPING",
    }
    document = parse(query)
    names = {
        definition.variable.name.value
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for definition in operation.variable_definitions or ()
    }
    return {name: usual[name] for name in names if name in usual}


@pytest.mark.both_backends  # on MongoDB: PyMongo's documents, not the embedded store's shared
async def test_every_written_query_answers_alike(twin: Twin) -> None:
    queries = written_queries()
    [invoice] = await stored_ids(twin.client, 1)
    compiled = 0
    for query in queries:
        compiled += await twin.same(query, variables_for(query, invoice))
    assert len(queries) >= 60
    # Most read invoices the plans compile; the rest (summaries, events, related
    # invoices, introspection, refused or malformed documents) go to the executor.
    assert compiled >= len(queries) // 2, (compiled, len(queries))


# --- generated selections -----------------------------------------------------------------

SKIPPED_BY_PLANS = {"relatedInvoices"}


def _named(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


@dataclass(frozen=True)
class Selection:
    text: str
    compilable: bool = True


@st.composite
def selections(draw: st.DrawFn, type_name: str, depth: int = 0) -> Selection:
    """A selection set on `type_name`: random fields, aliases, fragments and directives."""
    object_type = GRAPHQL_SCHEMA.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    names = sorted(object_type.fields)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4 if depth else 8))
    parts, compilable = [], True
    for name in chosen:
        inner = _named(object_type.fields[name].type)
        text = name
        if draw(st.integers(0, 5)) == 0:
            text = f"{name}_{draw(st.integers(1, 2))}: {name}"  # the same alias, merged
        if name not in SKIPPED_BY_PLANS:  # always included, so the case never compiles
            text += draw(directives)
        if isinstance(inner, GraphQLObjectType):
            if name in SKIPPED_BY_PLANS:
                text += " { invoiceNumber }"
                compilable = False
            elif depth >= 3:
                text += " { __typename }"
            else:
                below = draw(selections(inner.name, depth + 1))
                compilable = compilable and below.compilable
                text += f" {{ {below.text} }}"
        if draw(st.integers(0, 9)) == 0:
            text = f"... on {type_name} {{ {text} }}"
        parts.append(text)
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), "__typename")
    return Selection(" ".join(parts), compilable)


directives = st.sampled_from(
    [
        "",
        "",
        "",
        "",
        " @include(if: $shown)",
        " @skip(if: $shown)",
        " @include(if: true)",
        " @skip(if: true)",
        " @include(if: false)",
    ]
)


@dataclass(frozen=True)
class Request:
    """A generated query, its variables but the invoice's, and what it reads the invoice by."""

    query: str
    variables: dict[str, Any]
    by: str
    pick: int
    compilable: bool

    def with_invoice(self, invoices: list[tuple[str, str]]) -> dict[str, Any]:
        invoice_id, number = (invoices + [("no-such-invoice", "no-such")])[self.pick]
        values = {
            "invoice": invoice_id,
            "node": invoice_global_id(invoice_id),
            "invoiceByNumber": number,
        }
        return {**self.variables, "key": values[self.by]} if self.by in values else self.variables


PICKS = 24
"""The newest invoices generated requests read by id or number (one more: a missing one)."""


@st.composite
def invoice_requests(draw: st.DrawFn) -> Request:
    selection = draw(selections("Invoice"))
    by = draw(st.sampled_from(["invoice", "node", "invoiceByNumber", "invoices", "fragment"]))
    body = selection.text
    declared = "$shown: Boolean!" if "$shown" in body else ""
    fragments = ""
    if by == "fragment":
        fragments = f"fragment Picked on Invoice {{ {body} }}"
        body = "...Picked invoiceId"
    if by == "invoice":
        declared += " $key: ID!"
        text = f"invoice(invoiceId: $key) {{ {body} }}"
    elif by == "node":
        declared += " $key: ID!"
        text = f"node(id: $key) {{ id ... on Invoice {{ {body} }} }}"
    elif by == "invoiceByNumber":
        declared += " $key: String!"
        text = f"invoiceByNumber(invoiceNumber: $key) {{ {body} }}"
    else:
        first = draw(st.integers(0, 12))
        sort = draw(st.sampled_from(["", "sort: [{field: INVOICE_TOTAL, direction: ASC}]"]))
        page = draw(st.sampled_from(["", "pageInfo { hasNextPage endCursor startCursor }"]))
        count = draw(st.sampled_from(["", "totalCount"]))
        text = (
            f"invoices(first: {first} {sort}) {{ {count} {page} "
            f"edges {{ cursor node {{ {body} }} }} }}"
        )
    arguments = f"({declared})" if declared else ""
    query = f"query Generated{arguments} {{ {text} }} {fragments}"
    pick = draw(st.integers(0, PICKS))
    variables = {"shown": draw(st.booleans())} if "$shown" in selection.text else {}
    return Request(query, variables, by, pick, selection.compilable)


@case_settings(SELECTION_EXAMPLES)
@given(request=invoice_requests())
async def test_generated_selections_answer_alike(twin: Twin, request: Request) -> None:
    await answer_alike(twin, request)


@pytest.mark.mongodb
@pytest.mark.usefixtures("backend")
@pytest.mark.parametrize("backend", ["mongodb"])  # the `serve` fixture's
@case_settings(MONGODB_SELECTION_EXAMPLES)
@given(request=invoice_requests())
async def test_generated_selections_answer_alike_on_mongodb(twin: Twin, request: Request) -> None:
    await answer_alike(twin, request)


async def answer_alike(twin: Twin, request: Request) -> None:
    invoices = await twin.newest(PICKS)
    compiled, executed = await twin.ask(request.query, request.with_invoice(invoices))
    assert (compiled.status, compiled.body) == (executed.status, executed.body), request.query
    # Clean demo data: every answer without errors (limits may refuse a generated query)
    # to a selection the plans support is compiled; no other ever is.
    clean = b'"errors"' not in executed.body
    assert compiled.compiled == (request.compilable and clean), request.query


# --- damaged documents --------------------------------------------------------------------

KEPT_PATHS = {("invoiceId",), ("invoiceNumber",), ("account",)}
"""Left alone, so that the damaged copy stays findable (a damaged source key that another
copy holds already is a case skipped)."""

DAMAGE = [
    None,
    "<deleted>",
    7,
    -1,
    2**40,
    1.5,
    "",
    "x",
    "2022-02-30T00:00:00.000000000Z",
    "2022-02-03T04:05:06.123000000Z",
    "12.345678901",
    "1E+3",
    "007",
    True,
    [],
    {},
    {"unknownField": 1},
    [None],
]
"""What a path of a stored document is set to: nulls, wrong types, forms the model refuses or
normalizes, unknown fields."""

DAMAGED_QUERY = (
    "query Damaged($id: ID!, $number: String!, $clean: ID!) {"
    f" a: invoice(invoiceId: $id) {{ {full_selection()} }}"
    f" b: invoiceByNumber(invoiceNumber: $number) {{ {full_selection()} }}"
    " c: invoice(invoiceId: $clean) { invoiceNumber invoiceTotal } }"
)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a document: keys of objects, positions in lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield (*prefix, position)
            yield from paths_of(item, (*prefix, position))


def damaged(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy_ = copy.deepcopy(document)
    container: Any = copy_
    for step in path[:-1]:
        container = container[step]
    if value == "<deleted>":
        del container[path[-1]]
    else:
        container[path[-1]] = value
    return copy_


SERIAL = itertools.count()


@case_settings(CORRUPTION_EXAMPLES)
@given(
    base=st.integers(0, PICKS - 1),
    where=st.integers(0, 10**6),
    value=st.sampled_from(DAMAGE),
)
async def test_damaged_documents_answer_alike(
    twin: Twin, base: int, where: int, value: Any
) -> None:
    invoices = await twin.newest(PICKS)
    client = twin.client
    collection = client.http.app[RESOURCES].database.collection(INVOICES)
    [document] = await collection.find(
        {"account": "demo", "invoiceId": invoices[base][0]}, {"_id": 0}
    )
    paths = [p for p in paths_of(document) if p[:1] not in KEPT_PATHS]
    path = paths[where % len(paths)]
    serial = next(SERIAL)
    fresh = copy.deepcopy(document)
    fresh["invoiceId"] = f"damaged-{serial}"
    fresh["invoiceNumber"] = f"D{serial:08d}"
    if isinstance(fresh.get("source"), dict):
        fresh["source"]["id"] = f"damaged-{serial}"
    copy_ = damaged(fresh, path, value)
    try:
        await collection.insert_one(copy_)
    except DuplicateKeyError:
        reject()  # the damage made a source key another damaged copy holds

    variables = {"id": copy_["invoiceId"], "number": copy_["invoiceNumber"]}
    compiled, executed = await twin.ask(DAMAGED_QUERY, {**variables, "clean": invoices[0][0]})

    assert (compiled.status, compiled.body) == (executed.status, executed.body), (path, value)
    # A plan never answers with an error: those are the executor's to report. (A value the
    # model coerces, like "007" for an Int, falls back too: the answer is the executor's.)
    assert not (compiled.compiled and b'"errors"' in executed.body), (path, value)


def test_counted_error_ids_leave_uuid4_to_the_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: patching `uuid.uuid4` itself gave PyMongo's sessions `_Id`s, not UUIDs."""
    CountingIds().install(monkeypatch)
    assert graph.http.responses.uuid.uuid4().hex == f"{0:032x}"
    assert len(uuid.uuid4().bytes) == 16
