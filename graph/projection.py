"""Projection pushdown: the fabric document paths that a GraphQL selection reads.

The selection set is read as the executor will run it: fragments and inline fragments
are expanded, aliases merged, `@include`/`@skip` decided with the request's variables.
GraphQL object fields carry the names of the fabric document, so a selected leaf
`orders { items { sku } }` is the path `orders.items.sku`. Fields computed from others
pull their sources in; a field this module cannot map fetches the whole object it is in.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

import strawberry
from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLType,
    OperationDefinitionNode,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues
from pydantic import BaseModel

from store.domain import documents

Fields = frozenset[str] | None
"""The document paths to fetch; None fetches whole documents."""

COMPUTED_SOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Invoice", "id"): ("invoiceId",),
    # The related invoices themselves are loaded with their own selection.
    ("Invoice", "relatedInvoices"): ("orders.orderId",),
}
"""Fields computed by resolvers, and the document paths they read."""

INVOICE_TYPE = "Invoice"


def invoice_fields(info: strawberry.Info, *through: str) -> Fields:
    """The paths the invoices of the current field need.

    `through` names the fields between the current field and the invoices, e.g.
    `("edges", "node")` for a connection. Worked out once per field of the request's
    document: the 100 items of a page resolve the same selection with the same variables.
    """
    resolved = _resolve_info(info)
    cache = getattr(info.context, "projections", None)
    if cache is None:
        return _Selection.of(resolved).invoice_fields(*through)
    key = (*map(id, resolved.field_nodes), *through)
    if key not in cache:
        cache[key] = _Selection.of(resolved).invoice_fields(*through)
    fields: Fields = cache[key]
    return fields


def invoice_fields_of(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDetails],
    variables: VariableValues,
    operation: OperationDefinitionNode,
    nodes: Sequence[FieldNode],
    return_type: GraphQLType,
    *through: str,
) -> Fields:
    """`invoice_fields` for a field known by its nodes and type rather than by a resolver's
    info (the compiled plans, graph/compiled/)."""
    selection = _Selection(schema, fragments, variables, operation, nodes, return_type)
    return selection.invoice_fields(*through)


def selected_names(info: strawberry.Info) -> set[str]:
    """The names of the fields selected directly on the current field's value."""
    selection = _Selection.of(_resolve_info(info))
    nodes, object_type = selection.descend()
    assert isinstance(object_type, GraphQLObjectType)
    return {node.name.value for node in selection.subfields(nodes, object_type)}


def _resolve_info(info: strawberry.Info) -> GraphQLResolveInfo:
    """The graphql-core info that Strawberry's Info wraps. Its field nodes and the document's
    fragments are what graphql-core's collector reads, and Strawberry's Info has no public
    accessor for them (`selected_fields` is Strawberry's own converted tree)."""
    resolved: GraphQLResolveInfo = info._raw_info
    return resolved


class _Selection:
    """The selection set of one field, collected as the executor collects it.

    graphql-core's collector expands fragments and inline fragments, matches their type
    conditions and decides `@include`/`@skip` with the request's variables.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDetails],
        variables: VariableValues,
        operation: OperationDefinitionNode,
        nodes: Sequence[FieldNode],
        return_type: GraphQLType,
    ) -> None:
        self.schema = schema
        self.fragments = dict(fragments)
        self.variables = variables
        self.operation = operation
        self.nodes = list(nodes)
        self.object_type = get_named_type(return_type)

    @classmethod
    def of(cls, info: GraphQLResolveInfo) -> "_Selection":
        fragments = {name: FragmentDetails(d) for name, d in info.fragments.items()}
        # Strawberry hands resolvers the coerced values alone (strawberry.types.nodes); the
        # collector reads only those for operation variables.
        variables = info.variable_values
        if not isinstance(variables, VariableValues):
            variables = VariableValues(sources={}, coerced=variables)
        return cls(
            info.schema, fragments, variables, info.operation, info.field_nodes, info.return_type
        )

    def invoice_fields(self, *through: str) -> Fields:
        nodes, _ = self.descend(*through)
        invoice_type = self.schema.get_type(INVOICE_TYPE)
        assert isinstance(invoice_type, GraphQLObjectType)
        paths = self.paths(nodes, invoice_type, documents.Invoice, prefix="")
        return None if paths is None else frozenset(paths)

    def descend(self, *through: str) -> tuple[list[FieldNode], GraphQLType]:
        """The field nodes and type reached by following `through` from the current field."""
        nodes, object_type = self.nodes, self.object_type
        for name in through:
            assert isinstance(object_type, GraphQLObjectType)
            nodes = [node for node in self.subfields(nodes, object_type) if node.name.value == name]
            object_type = get_named_type(object_type.fields[name].type)
        return nodes, object_type

    def subfields(
        self, nodes: Sequence[FieldNode], object_type: GraphQLObjectType
    ) -> list[FieldNode]:
        """The fields selected inside `nodes` on an object of `object_type`, skipped ones left
        out, in the executor's order."""
        collected = collect_subfields(
            self.schema,
            self.fragments,
            self.variables,
            self.operation,
            object_type,
            [FieldDetails(node, None) for node in nodes],
        )
        return [d.node for group in collected.grouped_field_set.values() for d in group]

    def paths(
        self,
        nodes: Sequence[FieldNode],
        object_type: GraphQLObjectType,
        model: type[BaseModel],
        prefix: str,
    ) -> set[str] | None:
        """The paths under `prefix` that `nodes` select; None when some field is unmappable."""
        by_name: dict[str, list[FieldNode]] = defaultdict(list)
        for node in self.subfields(nodes, object_type):
            by_name[node.name.value].append(node)  # aliases of one field merge here
        paths: set[str] = set()
        for name, group in by_name.items():
            if name.startswith("__"):
                continue
            sources = COMPUTED_SOURCES.get((object_type.name, name))
            if sources is not None:
                paths.update(sources)
                continue
            model_field = model.model_fields.get(name)
            if model_field is None:
                return None
            path = prefix + name
            inner_model = _inner_model(model_field.annotation)
            inner_type = get_named_type(object_type.fields[name].type)
            if inner_model is None or not isinstance(inner_type, GraphQLObjectType):
                paths.add(path)
                continue
            inner = self.paths(group, inner_type, inner_model, path + ".")
            if not inner or _covers(inner, inner_model, path + "."):
                # All of it: nothing mappable inside (only __typename, or an unknown field),
                # or every field of it (one path projects faster than each of its leaves).
                paths.add(path)
                continue
            paths.update(inner)
            # The model refuses an object without its required fields: fetch them too.
            paths.update(f"{path}.{name}" for name in _required_fields(inner_model))
        return paths


def _covers(paths: set[str], model: type[BaseModel], prefix: str) -> bool:
    """True when `paths` hold every field of `model` whole."""
    return all(prefix + name in paths for name in model.model_fields)


def _required_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if info.is_required()]


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The document model inside `X | None` or `list[X] | None`, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, UnionType, list):
        for argument in get_args(annotation):
            if argument is not NoneType and (found := _inner_model(argument)) is not None:
                return found
    return None
