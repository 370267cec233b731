"""The calculated cost of a query, in Shopify's style, known before it runs (docs/security.md).

Scalars and enums cost 0; an object costs 1; a connection costs 2 plus its page size
(`first`/`last`, the field's default page when absent, at most the largest page) times
the cost of one edge's selection; a list looked up by argument (`bounded_lists`) costs 2
plus its bound times (2 + one item's selection): it reads at most twice (bound + 1)
invoices; a list of objects inside the stored document is assumed to hold `list_size`
items (it loads nothing more); a field that scans the account (`scans`: counts and
summaries) costs `scan_cost` more; an interface or union costs its most expensive
possible type; a mutation field costs `mutation_cost` plus its payload. Every cost
multiplies by the bounds of the lists above it, and fields selected twice are counted
twice, so the cost never understates what runs (docs/security.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    is_leaf_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from graph.limits.query_shape import fragments_of


@dataclass(frozen=True)
class CostModel:
    """The assumptions a cost rests on; every number here is documented in docs/security.md."""

    max_page_size: int
    default_pages: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """(type, field) of a connection -> its page size when neither first nor last is given;
    a connection missing here counts the largest page."""
    list_size: int = 1
    mutation_cost: int = 10
    bounded_lists: Mapping[tuple[str, str], "ListBound"] = field(default_factory=dict)
    """(type, field) of a list that reads other documents -> what bounds it."""
    scans: frozenset[tuple[str, str]] = frozenset()
    """(type, field) of fields that scan the caller's invoices (counts, summaries)."""
    scan_cost: int = 1000
    """The invoices a scan is assumed to read: the size of an account it prices as bounded."""


@dataclass(frozen=True)
class ListBound:
    """A list bounded by an argument: its default, and the most it may ask for."""

    argument: str
    default: int
    maximum: int


def _unwrap(kind: Any) -> tuple[GraphQLNamedType, bool]:
    """The named type under non-null and list wrappers, and whether a list was among them."""
    is_list = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(kind, GraphQLList)
        kind = kind.of_type
    named: GraphQLNamedType = kind
    return named, is_list


def is_connection(kind: GraphQLNamedType) -> bool:
    """A Relay connection: an object type with `edges` and `pageInfo`."""
    return isinstance(kind, GraphQLObjectType) and {"edges", "pageInfo"} <= kind.fields.keys()


class QueryCost:
    """Costs the operations of one document for one request's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        model: CostModel,
    ) -> None:
        self._schema = schema
        self._fragments = fragments_of(document)
        self._variables = variables or {}
        self._model = model
        self._defaults: dict[str, Any] = {}
        self._spreads: dict[tuple[str, str, int | None], int] = {}
        self._costing: set[tuple[str, str, int | None]] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self._schema.get_root_type(operation.operation)
        if root is None:
            return 0
        self._defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        cost = self._selection_set(operation.selection_set, root)
        if operation.operation is OperationType.MUTATION:
            cost += self._model.mutation_cost * self._root_fields(operation.selection_set)
        return cost

    def _root_fields(self, selection_set: SelectionSetNode, spread: set[str] | None = None) -> int:
        """The fields of a root selection, fragments expanded (each spread once, as executed)."""
        spread = set() if spread is None else spread
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += not selection.name.value.startswith("__")
            elif isinstance(selection, InlineFragmentNode):
                count += self._root_fields(selection.selection_set, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is not None and name not in spread:
                    spread.add(name)
                    count += self._root_fields(fragment.selection_set, spread)
        return count

    def _selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None = None
    ) -> int:
        """The cost of a selection on `parent`; `page` is set when parent is a connection."""
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            possible = self._schema.get_possible_types(parent)
            return max((self._on_object(selection_set, kind, page) for kind in possible), default=0)
        if isinstance(parent, GraphQLObjectType):
            return self._on_object(selection_set, parent, page)
        return 0

    def _on_object(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, page: int | None
    ) -> int:
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, parent):
                    cost += self._on_object(selection.selection_set, parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                cost += self._spread(selection.name.value, parent, page)
        return cost

    def _applies(self, condition: str, kind: GraphQLObjectType) -> bool:
        """True when a fragment on `condition` applies to objects of type `kind`."""
        target = self._schema.get_type(condition)
        if target is kind:
            return True
        if isinstance(target, GraphQLInterfaceType | GraphQLUnionType):
            return self._schema.is_sub_type(target, kind)
        return False

    def _spread(self, name: str, parent: GraphQLObjectType, page: int | None) -> int:
        fragment = self._fragments.get(name)
        if fragment is None or not self._applies(fragment.type_condition.name.value, parent):
            return 0
        key = (name, parent.name, page)
        if key in self._spreads:
            return self._spreads[key]
        if key in self._costing:
            return 0  # a fragment cycle: validation refuses it
        self._costing.add(key)
        try:
            cost = self._on_object(fragment.selection_set, parent, page)
        finally:
            self._costing.discard(key)
        self._spreads[key] = cost
        return cost

    def _definition(self, node: FieldNode, parent: GraphQLObjectType) -> GraphQLField | None:
        name = node.name.value
        if name == "__schema" and parent is self._schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self._schema.query_type:
            return TypeMetaFieldDef
        return parent.fields.get(name)

    def _field(self, node: FieldNode, parent: GraphQLObjectType, page: int | None) -> int:
        definition = self._definition(node, parent)
        name = node.name.value
        scan = self._model.scan_cost if (parent.name, name) in self._model.scans else 0
        if definition is None or node.selection_set is None:
            return scan  # a scalar, an enum, or a field validation will refuse
        kind, is_list = _unwrap(definition.type)
        if is_leaf_type(kind):
            return scan
        return scan + self._object_field(node, parent, kind, is_list, page)

    def _object_field(
        self,
        node: FieldNode,
        parent: GraphQLObjectType,
        kind: GraphQLNamedType,
        is_list: bool,
        page: int | None,
    ) -> int:
        assert node.selection_set is not None
        name = node.name.value
        if page is not None and name == "pageInfo":
            return 0  # part of the connection's own 2
        if page is not None and name in ("edges", "nodes"):
            # The edge wrapper is free; its node (or a `nodes` item) costs as an object.
            per_item = self._selection_set(node.selection_set, kind)
            return page * (per_item + (name == "nodes"))
        if is_connection(kind):
            size = self._page_size(node, parent.name)
            return 2 + self._selection_set(node.selection_set, kind, page=size)
        bound = self._model.bounded_lists.get((parent.name, name))
        if bound is not None:
            items = self._bound(node, bound)
            return 2 + items * (2 + self._selection_set(node.selection_set, kind))
        each = 1 + self._selection_set(node.selection_set, kind)
        return self._model.list_size * each if is_list else each

    def _bound(self, node: FieldNode, bound: "ListBound") -> int:
        for argument in node.arguments or ():
            if argument.name.value == bound.argument:
                value = self._int_value(argument.value)
                if value is None:  # null, or not given by a variable: the default applies
                    return bound.default
                # A larger bound is refused by the resolver with a precise message.
                return max(0, min(value, bound.maximum))
        return bound.default

    def _page_size(self, node: FieldNode, parent: str) -> int:
        model = self._model
        sizes = [
            value
            for argument in node.arguments or ()
            if argument.name.value in ("first", "last")
            and (value := self._int_value(argument.value)) is not None
        ]
        if not sizes:
            return model.default_pages.get((parent, node.name.value), model.max_page_size)
        # A larger page is refused by the resolver with a precise message; cost the largest.
        return max(0, min(max(sizes), model.max_page_size))

    def _int_value(self, value: Any) -> int | None:
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in self._variables:
                given = self._variables[name]
                return given if isinstance(given, int) and not isinstance(given, bool) else None
            value = self._defaults.get(name)
        if isinstance(value, IntValueNode):
            try:
                return int(value.value)
            except ValueError:
                return None
        return None
