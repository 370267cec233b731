"""Root-field arguments converted by compiled plans (graph/compiled/arguments.py) are the ones
Strawberry's `convert_arguments` gives the executor's resolvers, for every root field."""

from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, parse
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.types.arguments import convert_arguments

from graph.compiled.arguments import ArgumentConversions
from graph.compiled.objects import strawberry_definition
from graph.core_schema import core_schema
from graph.schema import build_schema

SCHEMA = build_schema()
GRAPHQL_SCHEMA = core_schema(SCHEMA)

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ('{ invoice(invoiceId: "i-1") { id } }', {}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": "SW52b2ljZTppLTE="}),
    ("query($n: String!) { invoiceByNumber(invoiceNumber: $n) { id } }", {"n": "N-7"}),
    ("{ invoices(first: 10) { totalCount } }", {}),
    ("{ invoices { totalCount } }", {}),
    (
        """query($after: String, $status: [InvoiceStatus!]) {
          invoices(first: 5, after: $after, filter: {
            invoiceStatus: {in: $status}, invoiceTotal: {gte: "10.50", nin: ["3"]},
            invoiceDate: {gte: "2024-01-01T00:00:00Z"}, sku: {eq: "SKU-1"},
            customerEmail: {eq: "A@example.com"}
          }, sort: [{field: INVOICE_DATE, direction: DESC}, {field: INVOICE_NUMBER}]) {
            totalCount } }""",
        {"after": None, "status": ["ISSUED", "CREDITED"]},
    ),
    ("{ invoices(last: 3, before: null, sort: []) { totalCount } }", {}),
    ('{ invoiceSummary(filter: {currency: {eq: "EUR"}}) { count } }', {}),
    ("{ invoiceEvents(first: 2, after: null) { pageInfo { hasNextPage } } }", {}),
    ('{ webhookDeliveries(subscriptionId: "s-1", first: 4) { totalCount } }', {}),
]


def root_fields(query: str, variables: dict[str, Any]) -> list[tuple[Any, FieldNode, Any]]:
    [operation] = parse(query).definitions
    assert isinstance(operation, OperationDefinitionNode)
    coerced = get_variable_values(GRAPHQL_SCHEMA, operation.variable_definitions or (), variables)
    assert isinstance(coerced, VariableValues), coerced
    query_type = GRAPHQL_SCHEMA.query_type
    assert query_type is not None
    found = []
    for selection in operation.selection_set.selections:
        assert isinstance(selection, FieldNode)
        found.append((query_type.fields[selection.name.value], selection, coerced))
    return found


@pytest.mark.parametrize(("query", "variables"), QUERIES)
def test_arguments_convert_as_strawberry_converts_them(
    query: str, variables: dict[str, Any]
) -> None:
    conversions = ArgumentConversions()
    registry = SCHEMA.schema_converter.scalar_registry
    for definition, node, coerced in root_fields(query, variables):
        values = get_argument_values(definition, node, coerced)
        arguments = strawberry_definition(definition).arguments
        expected = convert_arguments(values, arguments, registry, SCHEMA.config)
        for _ in range(2):  # steps worked out, then remembered
            converted = conversions(SCHEMA, values, definition)
            assert converted == expected
            assert list(converted) == list(expected)
            assert [type(v) for v in converted.values()] == [type(v) for v in expected.values()]


def test_lists_are_copied_not_shared() -> None:
    """graphql-core hands every request the same default list; Strawberry copies lists so that
    a change to one request's value cannot reach the next one. So do the steps."""
    [(definition, node, coerced)] = root_fields(QUERIES[5][0], QUERIES[5][1])
    values = get_argument_values(definition, node, coerced)
    converted = ArgumentConversions()(SCHEMA, values, definition)
    assert converted["sort"] is not values["sort"]
    assert converted["filter"].invoiceStatus.in_ is not values["filter"]["invoiceStatus"]["in"]
