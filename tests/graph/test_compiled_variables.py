"""Variables coerced by compiled plans (graph/compiled/variables.py) are graphql-core's:
the same values, sources and errors as `get_variable_values`, for any variable types of the
schema and any JSON values, given, null or left out."""

from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.execution.values import VariableValues, get_variable_values
from hypothesis import example, given, settings
from hypothesis import strategies as st

from graph.compiled.variables import coerce_variables
from graph.core_schema import core_schema
from graph.document_cache import CachedDocument
from graph.schema import build_schema

SCHEMA = core_schema(build_schema())

TYPES = [
    "ID", "String", "Int", "Float", "Boolean", "DateTime", "Decimal", "InvoiceStatus",
    "InvoiceSortField", "[InvoiceStatus!]", "[ID]", "InvoiceFilter", "InvoiceSort", "NoSuchType",
]  # fmt: skip
"""Scalars (the schema's own among them), enums, lists, input objects, and an unknown name."""

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.sampled_from(["ISSUED", "CREDITED", "INVOICE_DATE", "10.50", "2024-01-01T00:00:00Z"])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)

DEEP: Any = "i-1"
for _ in range(2_000):
    DEEP = [DEEP]
"""A list nested deeper than graphql-core coerces (it reports the depth)."""

MISSING = object()
"""A variable the request leaves out."""


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An operation declaring some variables, and the variables a request sends it."""
    count = draw(st.integers(min_value=0, max_value=3))
    definitions, values = [], {}
    for n in range(count):
        type_ = draw(st.sampled_from(TYPES)) + draw(st.sampled_from(["", "!"]))
        default = draw(st.sampled_from(["", " = null", ' = "ISSUED"', " = 3"]))
        definitions.append(f"$v{n}: {type_}{default}")
        value = draw(st.just(MISSING) | json_values)
        if value is not MISSING:
            values[f"v{n}"] = value
    declared = f"({', '.join(definitions)})" if definitions else ""
    name = draw(st.sampled_from(["", "Named"]))
    return f"query {name}{declared} {{ __typename }}", values


def described(result: Any) -> Any:
    """Everything a result says: values and sources, or the errors' messages."""
    if isinstance(result, VariableValues):
        sources = {
            name: (source.signature.name, str(source.signature.type), source.value)
            for name, source in result.sources.items()
        }
        return list(result.coerced.items()), list(sources.items())
    assert all(isinstance(error, GraphQLError) for error in result)
    return [error.message for error in result]


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(requests())
@example(("query($v0: ID!) { __typename }", {"v0": "i-1"}))
@example(("query($v0: ID!) { __typename }", {"v0": 7}))
@example(("query($v0: Int) { __typename }", {"v0": 2**31}))
@example(("query($v0: Boolean!) { __typename }", {"v0": None}))
@example(("query($v0: InvoiceStatus = ISSUED) { __typename }", {}))
@example(("query($v0: [ID]) { __typename }", {"v0": DEEP}))
def test_variables_coerce_as_graphql_core_coerces_them(request: tuple[str, dict[str, Any]]) -> None:
    text, inputs = request
    cached = CachedDocument(parse(text))
    [operation] = cached.document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    expected = get_variable_values(SCHEMA, operation.variable_definitions or (), inputs)
    # Twice: the second request of the document uses what the first worked out.
    for _ in range(2):
        assert described(coerce_variables(SCHEMA, cached, operation, inputs)) == described(expected)


def test_a_cached_operation_looks_its_variable_types_up_once() -> None:
    cached = CachedDocument(parse("query One($id: ID!) { invoice(invoiceId: $id) { id } }"))
    [operation] = cached.document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    first = coerce_variables(SCHEMA, cached, operation, {"id": "i-1"})
    second = coerce_variables(SCHEMA, cached, operation, {"id": 42})
    assert isinstance(first, VariableValues)
    assert isinstance(second, VariableValues)
    assert (first.coerced, second.coerced) == ({"id": "i-1"}, {"id": "42"})
    # The same signature object both times: looked up in the schema once.
    assert first.sources["id"].signature is second.sources["id"].signature
