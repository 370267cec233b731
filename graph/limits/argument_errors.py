"""Invalid argument values are BAD_USER_INPUT errors that name the argument.

GraphQL validation reports a bad literal (`status: {eq: NOPE}`, a malformed date or
decimal, an unknown sort field) without saying which argument holds it, and a bad
variable value by the variable's name only. This extension renames both after the
argument, `Invalid argument 'filter.invoiceStatus.eq': ...`, with `extensions.code`
BAD_USER_INPUT, as the resolvers do for what they check themselves.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    VariableDefinitionNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph.core_schema import core_schema
from graph.document_cache import DocumentCache


class ArgumentErrors(SchemaExtension):
    """Runs validation itself, then renames the errors that sit in argument values."""

    def __init__(self, *, documents: DocumentCache | None = None) -> None:
        self._documents = documents
        """The process's parsed documents (graph/document_cache.py): each validated once."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # A document that validated once validates again: the schema does not change.
            cached = self._documents.entry_of(context.query, document) if self._documents else None
            if cached is not None and cached.validated:
                context.pre_execution_errors = []
                yield
                return
            errors = validate_document(
                core_schema(context.schema), document, tuple(context.validation_rules)
            )
            if cached is not None and not errors:
                cached.validated = True
            # Even an empty list tells Strawberry that validation has run.
            context.pre_execution_errors = (
                [_literal_error(error, ArgumentPaths.of(document)) for error in errors]
                if errors
                else []
            )
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        document = self.execution_context.graphql_document
        errors = getattr(result, "errors", None)
        if result is None or not errors or document is None:
            return
        paths = ArgumentPaths.of(document)
        # Variable values are coerced before any resolver runs: their errors have no path.
        result.errors = [
            _variable_error(error, paths) if error.path is None else error for error in errors
        ]


@dataclass
class ArgumentPaths:
    """Where each argument value of a document sits: `filter.sku.in[0]`."""

    by_node: dict[int, str] = field(default_factory=dict)
    """id() of an argument or of a node inside its value -> its path."""
    by_variable: dict[str, str] = field(default_factory=dict)
    """Variable name -> the path of the first argument value that uses it."""

    @classmethod
    def of(cls, document: DocumentNode) -> "ArgumentPaths":
        paths = cls()

        class Arguments(Visitor):
            def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
                paths.by_node[id(node)] = node.name.value
                paths.add_value(node.value, node.name.value)

        visit(document, Arguments())
        return paths

    def add_value(self, node: Node, path: str) -> None:
        self.by_node[id(node)] = path
        if isinstance(node, VariableNode):
            self.by_variable.setdefault(node.name.value, path)
        elif isinstance(node, ObjectValueNode):
            for object_field in node.fields:
                inner = f"{path}.{object_field.name.value}"
                self.by_node[id(object_field)] = inner
                self.add_value(object_field.value, inner)
        elif isinstance(node, ListValueNode):
            for index, item in enumerate(node.values):
                self.add_value(item, f"{path}[{index}]")

    def path_of(self, node: Node) -> str | None:
        if isinstance(node, VariableDefinitionNode):
            return self.by_variable.get(node.variable.name.value)
        return self.by_node.get(id(node))


def _literal_error(error: GraphQLError, paths: ArgumentPaths) -> GraphQLError:
    """A validation error about a value written in the document, renamed."""
    node = error.nodes[0] if error.nodes else None
    if node is None or isinstance(node, VariableDefinitionNode):
        return error  # a variable's type that does not fit is the document's fault
    return _renamed(error, paths.path_of(node))


def _variable_error(error: GraphQLError, paths: ArgumentPaths) -> GraphQLError:
    """An error coercing a variable's value, renamed after the argument using it."""
    node = error.nodes[0] if error.nodes else None
    if not isinstance(node, VariableDefinitionNode):
        return error
    return _renamed(error, paths.path_of(node))


def _renamed(error: GraphQLError, path: str | None) -> GraphQLError:
    if path is None:
        return error
    return GraphQLError(
        f"Invalid argument '{path}': {error.message}",
        nodes=error.nodes,
        extensions={"code": "BAD_USER_INPUT", "argument": path},
    )
