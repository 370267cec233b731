"""Runs queries through their compiled plans, and hands everything else to the executor.

`CompiledExecution` is the schema extension (last in graph/schema.py, given the process's
`CompiledExecutions` and document cache by the app): when the request's document is cached
(graph/document_cache.py) and its operation compiles, it sets the result before
Strawberry's executor would run, so the executor never does. The limits, the validation
and the cost report have run as for any request; only execution differs. A document seen
and validated before skips the pipeline: graph/http/plan_route.py takes the same steps and
calls `prepare` and `answer` itself.

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
from graphql.execution.values import VariableValues
from strawberry.extensions import SchemaExtension
from strawberry.schema import Schema
from strawberry.types import ExecutionContext

from graph.compiled.answer_memo import DEFAULT_MEMORY_MB, AnswerMemo
from graph.compiled.arguments import ArgumentConversions
from graph.compiled.leaves import CannotCompile, Fallback
from graph.compiled.plan import Compilation, OperationPlan, PlanExecution, directive_variables
from graph.compiled.variables import coerce_variables
from graph.context import Context
from graph.core_schema import core_schema
from graph.document_cache import CachedDocument, DocumentCache
from store.client import STORE_ERRORS

GAVE_WAY: tuple[type[Exception], ...] = (Fallback, *STORE_ERRORS)
"""What a plan raises to leave the request to the executor: a value it cannot answer alike,
or a failed read (the executor reads again and reports the failure where it happened)."""

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
        self.memo = memo or AnswerMemo(DEFAULT_MEMORY_MB * 2**20)
        """Invoice answers kept by the stored text they were built from (answer_memo.py)."""
        self.arguments = ArgumentConversions()
        """Root fields' arguments converted as Strawberry would (arguments.py)."""
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
        result = None
        document = execution.graphql_document
        if (
            self.enabled
            and not context.plan_gave_way  # graph/http/plan_route.py tried, and it gave way
            and cached is not None
            and document is not None
            and cached.document is document
        ):
            prepared = self.prepare(
                execution.schema, cached, execution.operation_name, execution.variables
            )
            if prepared is not None:
                data = await self.answer(prepared, context)
                result = None if data is None else GraphQLExecutionResult(data=data, errors=None)
        if result is None:
            self.executed += 1
        return result

    def prepare(
        self,
        schema: Schema,
        cached: CachedDocument,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> "PreparedPlan | None":
        """The operation's plan and its coerced variables, compiled on first use; None: the
        executor's (no such operation, not compilable, or variables it reports). No I/O."""
        operation = get_operation_ast(cached.document, operation_name)
        if operation is None:
            return None
        coerced = coerce_variables(core_schema(schema), cached, operation, variables or {})
        if not isinstance(coerced, VariableValues):
            return None  # the executor reports the variables' errors
        # Keyed by the operation's own name: sent or, for the only operation, left out.
        name = operation.name.value if operation.name else None
        plan = _plan(cached, schema, name, operation, coerced, self.memo)
        if isinstance(plan, NotCompiled):
            return None
        return PreparedPlan(schema, plan, coerced)

    async def answer(self, prepared: "PreparedPlan", context: Context) -> dict[str, Any] | None:
        """The data of a prepared plan (counted as compiled); None: it gave way to the
        executor (Fallback, or a failed read the executor reads again and reports)."""
        schema = prepared.schema

        def convert(values: dict[str, Any], definition: GraphQLField) -> dict[str, Any]:
            return self.arguments(schema, values, definition)

        try:
            data = await prepared.plan.run(PlanExecution(context, prepared.variables, convert))
        except GAVE_WAY:
            self.fallbacks += 1
            context.plan_gave_way = True
            return None
        self.compiled += 1
        return data


@dataclass
class PreparedPlan:
    """A plan ready to run: its schema and the request's coerced variables."""

    schema: Schema
    plan: OperationPlan
    variables: VariableValues


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
    if key not in cached.derived and cached.kept("plan") >= MAX_PLANS_PER_DOCUMENT:
        return NotCompiled("this document has as many plans as one may keep")
    plan: OperationPlan | NotCompiled = cached.remember(key, compile_plan)
    return plan


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
