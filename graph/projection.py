"""Projection pushdown: the fabric document paths that a GraphQL selection reads.

The selection set is read as the executor will run it: fragments and inline fragments
are expanded, aliases merged, `@include`/`@skip` decided with the request's variables.
GraphQL object fields carry the names of the fabric document, so a selected leaf
`orders { items { sku } }` is the path `orders.items.sku`. Fields computed from others
pull their sources in; a field this module cannot map fetches the whole object it is in.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    type_from_ast,
)
from pydantic import BaseModel

from store.domain import documents

if TYPE_CHECKING:  # the context imports the loaders, which import this module
    from graph.context import Info

Fields = frozenset[str] | None
"""The document paths to fetch; None fetches whole documents."""

COMPUTED_SOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Invoice", "id"): ("invoiceId",),
    # The related invoices themselves are loaded with their own selection.
    ("Invoice", "relatedInvoices"): ("orders.orderId",),
}
"""Fields computed by resolvers, and the document paths they read."""

INVOICE_TYPE = "Invoice"


def invoice_fields(info: "Info", *through: str) -> Fields:
    """The paths the invoices of the current field need.

    `through` names the fields between the current field and the invoices, e.g.
    `("edges", "node")` for a connection. Worked out once per field of the request's
    document: the 100 items of a page resolve the same selection with the same variables.
    """
    cache = getattr(info.context, "projections", None)
    if cache is None:
        return _Selection.of(info).invoice_fields(*through)
    key = (*map(id, info._raw_info.field_nodes), *through)
    if key not in cache:
        cache[key] = _Selection.of(info).invoice_fields(*through)
    fields: Fields = cache[key]
    return fields


def invoice_fields_of(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    nodes: Sequence[FieldNode],
    return_type: GraphQLType,
    *through: str,
) -> Fields:
    """`invoice_fields` for a field known by its nodes and type rather than by a resolver's
    info (the compiled plans, graph/compiled/)."""
    selection = _Selection(schema, fragments, variables, nodes, return_type)
    return selection.invoice_fields(*through)


def selected_names(info: "Info") -> set[str]:
    """The names of the fields selected directly on the current field's value."""
    selection = _Selection.of(info)
    nodes, object_type = selection.descend()
    return {node.name.value for node in selection.fields(nodes, object_type)}


class _Selection:
    """The selection set of one resolver's field, with what it takes to expand it."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        nodes: Sequence[FieldNode],
        return_type: GraphQLType,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.nodes = list(nodes)
        self.object_type = get_named_type(return_type)

    @classmethod
    def of(cls, info: "Info") -> "_Selection":
        raw = info._raw_info
        return cls(
            raw.schema, raw.fragments, info.variable_values, raw.field_nodes, raw.return_type
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
            assert isinstance(object_type, GraphQLObjectType | GraphQLInterfaceType)
            nodes = [node for node in self.fields(nodes, object_type) if node.name.value == name]
            object_type = get_named_type(object_type.fields[name].type)
        return nodes, object_type

    def fields(self, nodes: Sequence[FieldNode], object_type: GraphQLType) -> Iterator[FieldNode]:
        """The fields selected inside `nodes`, fragments expanded, skipped ones left out."""
        for node in nodes:
            if node.selection_set is not None:
                yield from self._expand(node.selection_set, object_type)

    def _expand(
        self, selection_set: SelectionSetNode, object_type: GraphQLType
    ) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection, object_type):
                    yield from self._expand(selection.selection_set, object_type)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(fragment, object_type):
                    yield from self._expand(fragment.selection_set, object_type)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        """@skip wins over @include, as in execution."""
        if self._directive_condition(node, "skip") is True:
            return False
        return self._directive_condition(node, "include") is not False

    def _directive_condition(self, node: Any, directive_name: str) -> bool | None:
        """The `if:` of a @skip or @include on the node, None without that directive."""
        for directive in node.directives or ():
            if directive.name.value != directive_name:
                continue
            for argument in directive.arguments:
                if argument.name.value == "if":
                    value = argument.value
                    if isinstance(value, VariableNode):
                        return bool(self.variables.get(value.name.value))
                    return isinstance(value, BooleanValueNode) and value.value
        return None

    def _applies(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, object_type: GraphQLType
    ) -> bool:
        if fragment.type_condition is None:
            return True
        condition = type_from_ast(self.schema, fragment.type_condition)
        if condition is object_type:
            return True
        return (
            condition is not None
            and is_abstract_type(condition)
            and isinstance(object_type, GraphQLObjectType)
            and self.schema.is_sub_type(condition, object_type)
        )

    def paths(
        self,
        nodes: Sequence[FieldNode],
        object_type: GraphQLObjectType,
        model: type[BaseModel],
        prefix: str,
    ) -> set[str] | None:
        """The paths under `prefix` that `nodes` select; None when some field is unmappable."""
        by_name: dict[str, list[FieldNode]] = defaultdict(list)
        for node in self.fields(nodes, object_type):
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
