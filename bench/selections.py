"""GraphQL selections built from the schema itself, so "every field" stays every field."""

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLType

from graph.core_schema import core_schema
from graph.schema import build_schema

GRAPHQL_SCHEMA = core_schema(build_schema())

SKIPPED_FIELDS = {"relatedInvoices"}
"""Fields that lead to other invoices rather than into this one."""


def _named(kind: GraphQLType) -> GraphQLType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def full_selection(type_name: str = "Invoice", indent: str = "  ") -> str:
    """Every field of a type, recursively, as a selection set."""
    object_type = GRAPHQL_SCHEMA.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    lines = []
    for name, field in object_type.fields.items():
        if name in SKIPPED_FIELDS:
            continue
        inner = _named(field.type)
        if isinstance(inner, GraphQLObjectType):
            lines.append(
                f"{indent}{name} {{\n{full_selection(inner.name, indent + '  ')}{indent}}}"
            )
        else:
            lines.append(f"{indent}{name}")
    return "".join(line + "\n" for line in lines)
