"""Operation plans: a query compiled once into its reads and its response builders.

A plan knows, for one operation and one setting of its `@include`/`@skip` variables,
which root fields it reads (invoice, invoiceByNumber, node, invoices), the projection of
each (graph/projection.py, as the resolvers compute it), and the object plans that turn
the fetched documents into the response (graph/compiled/objects.py). Fields are collected
with graphql-core's own collector, so keys, order and merging are the executor's.

Running a plan: coerce the variables and arguments as the executor would, check the
scopes, read, build. Anything the executor would answer differently (an error, a guard,
a value the model refuses) raises Fallback before the answer is used.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import Visitor

from graph.compiled.answer_memo import Answer, AnswerMemo
from graph.compiled.leaves import CannotCompile, Fallback
from graph.compiled.objects import build_object_plan, strawberry_definition
from graph.context import Context
from graph.errors import ClientError
from graph.global_ids import invoice_id_from_global_id
from graph.permissions import ScopeRequired
from graph.projection import Fields, invoice_fields_of
from graph.resolvers.listing import Listing
from graph.resolvers.pagination import NO_PAGE, Page, PageInfoValues
from store.domain import documents
from store.invoices import InvoiceRow


@dataclass
class PlanExecution:
    """One execution of a plan: the request's context and its coerced values."""

    context: Context
    variables: VariableValues
    convert: Callable[[dict[str, Any], GraphQLField], dict[str, Any]]
    """graphql-core argument values -> the Python values the resolver would receive."""


class RootFieldPlan:
    """One root field of the operation: checked for every root before any is read."""

    key: str

    def prepare(self, run: PlanExecution) -> Any:
        """Scopes and arguments, as the executor would check them; no I/O. Raises Fallback."""
        return None

    async def answer(self, run: PlanExecution, prepared: Any) -> Any:
        raise NotImplementedError


@dataclass
class Typename(RootFieldPlan):
    key: str
    name: str

    async def answer(self, run: PlanExecution, prepared: Any) -> Any:
        return self.name


@dataclass
class CheckedRootField:
    """A root field's definition, arguments and scope, checked as the executor would."""

    definition: GraphQLField
    node: FieldNode
    scopes: tuple[str, ...]
    literal_values: dict[str, Any] | None = field(default=None, init=False)
    """The coerced arguments of a field that takes no variable: the same on every request,
    so coerced on the first (conversion, which makes new values, still runs each time)."""

    def __post_init__(self) -> None:
        self._takes_variables = _takes_variables(self.node)

    def arguments(self, run: PlanExecution) -> dict[str, Any]:
        for scope in self.scopes:
            if not run.context.api_key.grants(scope):
                raise Fallback  # the executor answers FORBIDDEN
        values = self.literal_values
        if values is None:
            try:
                values = get_argument_values(self.definition, self.node, run.variables)
            except GraphQLError:
                raise Fallback from None
            if not self._takes_variables:
                self.literal_values = values
        return run.convert(values, self.definition)


def _takes_variables(node: FieldNode) -> bool:
    """Whether any of the field's arguments holds a variable, at any depth."""
    found = False

    class Variables(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for argument in node.arguments or ():
        visit(argument, Variables())
    return found


@dataclass
class InvoiceLookup:
    """`invoice(invoiceId)` or `node(id)`: one invoice by id, or null.

    Lookups are not answered one by one: OperationPlan.run loads all of an operation's
    together, one command per projection, as the DataLoaders batch them.
    """

    key: str
    guarded: CheckedRootField
    fields: Fields
    invoice: Answer
    by_global_id: bool

    def prepare(self, run: PlanExecution) -> str | None:
        """The invoiceId looked up; None for a global id that names no invoice."""
        arguments = self.guarded.arguments(run)
        if self.by_global_id:
            return invoice_id_from_global_id(arguments["id"])
        invoice_id: str = arguments["invoiceId"]
        return invoice_id


@dataclass
class ByNumber(RootFieldPlan):
    key: str
    guarded: CheckedRootField
    fields: Fields
    invoice: Answer

    def prepare(self, run: PlanExecution) -> str:
        number: str = self.guarded.arguments(run)["invoiceNumber"]
        return number

    async def answer(self, run: PlanExecution, prepared: str) -> Any:
        found = await run.context.invoices.get_by_number(prepared, self.fields)
        return None if found is None else self.invoice(found)


@dataclass
class Connection(RootFieldPlan):
    """`invoices(...)`: a page of invoices as a Relay connection."""

    key: str
    guarded: CheckedRootField
    fields: Fields
    reads_page: bool
    build: Callable[[Page[InvoiceRow], Callable[[], Awaitable[int]]], Awaitable[dict[str, Any]]]

    def prepare(self, run: PlanExecution) -> Listing:
        try:
            return Listing.of(run.context.invoices, **self.guarded.arguments(run))
        except ClientError:
            raise Fallback from None  # the executor reports the bad argument

    async def answer(self, run: PlanExecution, prepared: Listing) -> Any:
        page: Page[InvoiceRow] = NO_PAGE
        if self.reads_page:
            # Shared rows: built into the answer before anything else is awaited.
            page = await prepared.page(self.fields, read_only=True)
        return await self.build(page, prepared.count_matching())


@dataclass
class OperationPlan:
    """The root fields of one operation, in the executor's order."""

    roots: list[RootFieldPlan | InvoiceLookup] = field(default_factory=list)

    async def run(self, run: PlanExecution) -> dict[str, Any]:
        # Every root's scopes and arguments first: a fallback then costs no read at all.
        prepared = {id(root): root.prepare(run) for root in self.roots}
        lookups = [root for root in self.roots if isinstance(root, InvoiceLookup)]
        found = await _load_lookups(lookups, prepared, run)
        data: dict[str, Any] = {}
        for root in self.roots:
            if isinstance(root, InvoiceLookup):
                row = found[id(root)]
                data[root.key] = None if row is None else root.invoice(row)
            else:
                data[root.key] = await root.answer(run, prepared[id(root)])
        return data


async def _load_lookups(
    lookups: list[InvoiceLookup], prepared: dict[int, Any], run: PlanExecution
) -> dict[int, InvoiceRow | None]:
    """Every lookup's row: one command per projection, each id once."""
    wanted: dict[Fields, list[str]] = {}
    for lookup in lookups:
        invoice_id = prepared[id(lookup)]
        if invoice_id is not None:
            wanted.setdefault(lookup.fields, [])
            if invoice_id not in wanted[lookup.fields]:
                wanted[lookup.fields].append(invoice_id)
    loaded: dict[Fields, dict[str, InvoiceRow | None]] = {}
    for fields, invoice_ids in wanted.items():
        rows = await run.context.invoices.get_many(invoice_ids, fields)
        loaded[fields] = dict(zip(invoice_ids, rows, strict=True))
    found: dict[int, InvoiceRow | None] = {}
    for lookup in lookups:
        invoice_id = prepared[id(lookup)]
        found[id(lookup)] = None if invoice_id is None else loaded[lookup.fields].get(invoice_id)
    return found


class Compilation:
    """What compiling one operation of a document needs: the schema and the collector."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
        memo: AnswerMemo,
    ) -> None:
        self.schema = schema
        self.memo = memo
        self.operation = operation
        self.variables = variables
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.fragments = {name: FragmentDetails(d) for name, d in self.definitions.items()}

    def collect(self, object_type: GraphQLObjectType, nodes: list[FieldNode]) -> dict[str, Any]:
        details = [FieldDetails(node, None) for node in nodes]
        collected = collect_subfields(
            self.schema, self.fragments, self.variables, self.operation, object_type, details
        )
        return {key: [d.node for d in group] for key, group in collected.grouped_field_set.items()}

    def plan(self) -> OperationPlan:
        if self.operation.operation is not OperationType.QUERY:
            raise CannotCompile("only queries are compiled")
        query_type = self.schema.query_type
        assert query_type is not None
        collected = collect_fields(
            self.schema, self.fragments, self.variables, query_type, self.operation
        )
        plan = OperationPlan()
        for key, group in collected.grouped_field_set.items():
            nodes = [d.node for d in group]
            plan.roots.append(self._root(key, nodes, query_type))
        return plan

    def _root(
        self, key: str, nodes: list[FieldNode], query_type: GraphQLObjectType
    ) -> RootFieldPlan | InvoiceLookup:
        name = nodes[0].name.value
        if name == "__typename":
            return Typename(key, query_type.name)
        builder = ROOTS.get(name)
        if builder is None:
            raise CannotCompile(f"Query.{name} is not compiled")
        definition = query_type.fields[name]
        return builder(
            self, key, nodes, CheckedRootField(definition, nodes[0], _scopes(definition))
        )

    def invoice_fields(self, nodes: list[FieldNode], field_type: Any, *through: str) -> Fields:
        return invoice_fields_of(
            self.schema,
            self.fragments,
            self.variables,
            self.operation,
            nodes,
            field_type,
            *through,
        )

    def invoice_plan(self, nodes: list[FieldNode]) -> Answer:
        """The selection's answer of a stored invoice, remembered when it is worth it."""
        invoice_type = self.schema.get_type("Invoice")
        assert isinstance(invoice_type, GraphQLObjectType)
        plan = build_object_plan(invoice_type, documents.Invoice, nodes, self.collect)
        return self.memo.answering(plan)


def _scopes(definition: GraphQLField) -> tuple[str, ...]:
    scopes = []
    for permission in strawberry_definition(definition).permission_classes:
        if not issubclass(permission, ScopeRequired):
            raise CannotCompile(f"permission {permission.__name__} is not compiled")
        scopes.append(permission.scope)
    return tuple(scopes)


def _lookup(by_global_id: bool) -> Callable[..., InvoiceLookup]:
    def build(
        compilation: Compilation, key: str, nodes: list[FieldNode], guarded: CheckedRootField
    ) -> InvoiceLookup:
        field_type = guarded.definition.type
        fields = compilation.invoice_fields(nodes, field_type)
        return InvoiceLookup(key, guarded, fields, compilation.invoice_plan(nodes), by_global_id)

    return build


def _by_number(
    compilation: Compilation, key: str, nodes: list[FieldNode], guarded: CheckedRootField
) -> RootFieldPlan:
    fields = compilation.invoice_fields(nodes, guarded.definition.type)
    return ByNumber(key, guarded, fields, compilation.invoice_plan(nodes))


def _connection(
    compilation: Compilation, key: str, nodes: list[FieldNode], guarded: CheckedRootField
) -> RootFieldPlan:
    connection_type = get_named_type(guarded.definition.type)
    assert isinstance(connection_type, GraphQLObjectType)
    selected = compilation.collect(connection_type, nodes)
    names = {group[0].name.value for group in selected.values()}
    reads_page = bool(names & {"edges", "pageInfo"})
    fields = compilation.invoice_fields(nodes, guarded.definition.type, "edges", "node")
    build = _connection_builder(compilation, connection_type, selected)
    return Connection(key, guarded, fields, reads_page, build)


def _connection_builder(
    compilation: Compilation,
    connection_type: GraphQLObjectType,
    selected: dict[str, list[FieldNode]],
) -> Callable[[Page[InvoiceRow], Callable[[], Awaitable[int]]], Awaitable[dict[str, Any]]]:
    """The connection object: edges and pageInfo from the page, totalCount from a count."""
    parts: list[tuple[str, str, Any]] = []
    for key, nodes in selected.items():
        name = nodes[0].name.value
        if name == "__typename":
            parts.append((key, name, connection_type.name))
        elif name == "edges":
            parts.append((key, name, _edges_builder(compilation, connection_type, nodes)))
        elif name == "pageInfo":
            parts.append((key, name, _page_info_builder(compilation, connection_type, nodes)))
        elif name == "totalCount":
            parts.append((key, name, None))
        else:
            raise CannotCompile(f"{connection_type.name}.{name} is not compiled")

    async def build(page: Page[InvoiceRow], count: Callable[[], Awaitable[int]]) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for key, name, part in parts:
            built[key] = part if name == "__typename" else None if part is None else part(page)
        # The page is in the answer: now the count may be awaited.
        for key, name, _ in parts:
            if name == "totalCount":
                built[key] = await count()
        return built

    return build


def _edges_builder(
    compilation: Compilation, connection_type: GraphQLObjectType, nodes: list[FieldNode]
) -> Callable[[Page[InvoiceRow]], list[dict[str, Any]]]:
    edge_type = get_named_type(connection_type.fields["edges"].type)
    assert isinstance(edge_type, GraphQLObjectType)
    parts: list[tuple[str, str, Any]] = []
    for key, group in compilation.collect(edge_type, nodes).items():
        name = group[0].name.value
        if name == "__typename":
            parts.append((key, name, edge_type.name))
        elif name == "cursor":
            parts.append((key, name, None))
        elif name == "node":
            parts.append((key, name, compilation.invoice_plan(group)))
        else:
            raise CannotCompile(f"{edge_type.name}.{name} is not compiled")

    with_cursors = any(name == "cursor" for _, name, _ in parts)

    def build(page: Page[InvoiceRow]) -> list[dict[str, Any]]:
        edges = []
        cursors = page.cursors if with_cursors else [None] * len(page.items)
        for row, cursor in zip(page.items, cursors, strict=True):
            edge: dict[str, Any] = {}
            for key, name, part in parts:
                if name == "node":
                    edge[key] = part(row)
                elif name == "cursor":
                    edge[key] = cursor
                else:
                    edge[key] = part
            edges.append(edge)
        return edges

    return build


def _page_info_builder(
    compilation: Compilation, connection_type: GraphQLObjectType, nodes: list[FieldNode]
) -> Callable[[Page[InvoiceRow]], dict[str, Any]]:
    """pageInfo's selected fields, from the page's own values (the resolvers' too)."""
    info_type = get_named_type(connection_type.fields["pageInfo"].type)
    assert isinstance(info_type, GraphQLObjectType)
    parts: list[tuple[str, str]] = []
    for key, group in compilation.collect(info_type, nodes).items():
        name = group[0].name.value
        if name != "__typename" and name not in PageInfoValues.__annotations__:
            raise CannotCompile(f"{info_type.name}.{name} is not compiled")
        parts.append((key, name))

    def build(page: Page[InvoiceRow]) -> dict[str, Any]:
        values: Mapping[str, Any] = page.page_info()
        return {
            key: info_type.name if name == "__typename" else values[name] for key, name in parts
        }

    return build


ROOTS: dict[
    str,
    Callable[[Compilation, str, list[FieldNode], CheckedRootField], RootFieldPlan | InvoiceLookup],
] = {
    "invoice": _lookup(by_global_id=False),
    "node": _lookup(by_global_id=True),
    "invoiceByNumber": _by_number,
    "invoices": _connection,
}
"""The root fields plans compile, by name; any other makes the operation the executor's."""


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables `@include`/`@skip` read: a plan holds for one setting of them."""
    found: list[str] = []

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value not in ("include", "skip"):
                return
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    found.append(argument.value.name.value)
                elif not isinstance(argument.value, BooleanValueNode):
                    found.append("")  # validation refuses this; never compiled

    visit(document, Directives())
    return tuple(sorted(set(found)))
