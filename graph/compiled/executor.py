"""Runs queries through their compiled plans, and hands everything else to the executor.

`CompiledExecution` is the schema extension (last in graph/schema.py, given the process's
`CompiledExecutions` and document cache by the app): when the request's document is cached
(graph/document_cache.py) and its operation compiles, it sets the result before
Strawberry's executor would run, so the executor never does. The limits, the validation
and the cost report have run as for any request; only execution differs.

The executor answers instead when the plan expects it to: the operation does not compile
(CannotCompile), the plan cannot build this answer exactly (Fallback), or a read failed
(STORE_ERRORS: the executor reads again and reports the failure where it happened).
Anything else a plan raises is a bug of the compiler, and it is not hidden.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLField, get_operation_ast
from graphql.execution.values import VariableValues, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.schema import Schema
from strawberry.types import ExecutionContext
from strawberry.types.arguments import convert_arguments

from graph.compiled.answer_memo import AnswerMemo
from graph.compiled.leaves import CannotCompile, Fallback
from graph.compiled.objects import strawberry_definition
from graph.compiled.plan import Compilation, OperationPlan, PlanExecution, directive_variables
from graph.context import Context
from graph.core_schema import core_schema
from graph.document_cache import CachedDocument, DocumentCache
from store.client import STORE_ERRORS

DEFAULT_MEMO_BYTES = 64 * 2**20

MAX_PLANS_PER_DOCUMENT = 16
"""Plans kept per document: one per operation and `@include`/`@skip` setting, so a document
with many directive variables cannot fill memory with its combinations."""


@dataclass
class NotCompiled:
    """Remembered in place of a plan: why the operation is the executor's."""

    reason: str


class CompiledExecutions:
    """The process's switch for compiled execution, and its counts (/metrics)."""

    def __init__(self, enabled: bool = True, memo: AnswerMemo | None = None) -> None:
        self.enabled = enabled
        self.memo = memo or AnswerMemo(DEFAULT_MEMO_BYTES)
        """Invoice answers kept by the stored text they were built from (answer_memo.py)."""
        self.compiled = 0
        self.executed = 0
        """Operations the ordinary executor ran: not compilable, or fallen back."""
        self.fallbacks = 0
        """Of those, operations whose plan gave way at run time."""

    async def run(
        self, execution: ExecutionContext, context: Context, cached: CachedDocument | None
    ) -> GraphQLExecutionResult | None:
        """The result of the request's operation through its plan; None: execute it.

        `cached`: the request's document in the process's cache, where its plans are kept.
        """
        result = await self._compiled(execution, context, cached) if self.enabled else None
        if result is None:
            self.executed += 1
        else:
            self.compiled += 1
        return result

    async def _compiled(
        self, execution: ExecutionContext, context: Context, cached: CachedDocument | None
    ) -> GraphQLExecutionResult | None:
        document = execution.graphql_document
        if cached is None or document is None or cached.document is not document:
            return None
        operation = get_operation_ast(document, execution.operation_name)
        if operation is None:
            return None
        schema: Schema = execution.schema
        variables = get_variable_values(
            core_schema(schema), operation.variable_definitions or (), execution.variables or {}
        )
        if not isinstance(variables, VariableValues):
            return None  # the executor reports the variables' errors
        plan = _plan(cached, schema, execution.operation_name, operation, variables, self.memo)
        if isinstance(plan, NotCompiled):
            return None

        def convert(values: dict[str, Any], definition: GraphQLField) -> dict[str, Any]:
            arguments = strawberry_definition(definition).arguments
            converter = schema.schema_converter
            return convert_arguments(values, arguments, converter.scalar_registry, schema.config)

        try:
            data = await plan.run(PlanExecution(context, variables, convert))
        except Fallback:
            self.fallbacks += 1
            return None
        except STORE_ERRORS:
            # The executor reads again and reports the failure where it happened.
            self.fallbacks += 1
            return None
        return GraphQLExecutionResult(data=data, errors=None)


def _plan(
    cached: CachedDocument,
    schema: Schema,
    operation_name: str | None,
    operation: Any,
    variables: VariableValues,
    memo: AnswerMemo,
) -> OperationPlan | NotCompiled:
    """The plan of this operation for these directive values, compiled on first use."""
    names = cached.remember("directive variables", lambda: directive_variables(cached.document))
    if "" in names:
        return NotCompiled("a directive argument that is neither a variable nor a boolean")
    setting = tuple(variables.coerced.get(name) for name in names)

    def compile_plan() -> OperationPlan | NotCompiled:
        try:
            core = core_schema(schema)
            return Compilation(core, cached.document, operation, variables, memo).plan()
        except CannotCompile as reason:
            return NotCompiled(str(reason))
        except GraphQLError as error:
            # Collecting fields met a value the executor reports (a null directive argument).
            return NotCompiled(error.message)

    key = ("plan", operation_name, setting)
    if key not in cached.derived and _plans(cached) >= MAX_PLANS_PER_DOCUMENT:
        return NotCompiled("this document has as many plans as one may keep")
    plan: OperationPlan | NotCompiled = cached.remember(key, compile_plan)
    return plan


def _plans(cached: CachedDocument) -> int:
    return sum(1 for key in cached.derived if isinstance(key, tuple) and key[0] == "plan")


class CompiledExecution(SchemaExtension):
    """Answers a query from its compiled plan when it has one (CompiledExecutions)."""

    def __init__(self, *, executions: CompiledExecutions, documents: DocumentCache) -> None:
        self._executions = executions
        self._documents = documents
        """Where the request's document and its plans are kept (graph/document_cache.py)."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context):
            cached = self._documents.entry_of(execution.query, execution.graphql_document)
            result = await self._executions.run(execution, context, cached)
            if result is not None:
                execution.result = result
        yield
