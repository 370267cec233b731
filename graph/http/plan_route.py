"""Queries answered from their compiled plan without Strawberry's request pipeline.

For a document this process has parsed and validated before, whose operation is a query
with a compiled plan, Strawberry's pipeline would only hand the request from extension to
extension: the limits (graph/limits/extension.py), validation (cached), then the plan
(graph/compiled/executor.py). This route takes the same steps, in the same order, and
skips the handing: the limits, then the plan. Anything else goes the ordinary way
(`schema.execute`), before any step with an effect: a document not cached or not yet
validated, a mutation, an operation the request leaves unchosen, variables the executor
reports. A plan that gives way after the limits passed leaves the executor to answer: the
limits remember their verdict for the request, so the budget is spent once, and the
executor does not try the plan again (Context.plan_gave_way).
"""

from strawberry import Schema
from strawberry.types import ExecutionResult

from graph.compiled.executor import CompiledExecutions
from graph.context import Context
from graph.core_schema import core_schema
from graph.document_cache import DocumentCache
from graph.limits.checks import RequestLimits


async def answer_from_plan(
    schema: Schema,
    documents: DocumentCache,
    executions: CompiledExecutions,
    context: Context,
    limits: RequestLimits,
    text: str,
    variables: object,
) -> ExecutionResult | None:
    """The query's result through its plan; None: run it through `schema.execute`."""
    cached = documents.peek(text)
    if not executions.enabled or cached is None or not cached.validated:
        return None
    if variables is not None and not isinstance(variables, dict):
        return None
    operation_name = context.operation_name
    prepared = executions.prepare(schema, cached, operation_name, variables)
    if prepared is None:  # plans are compiled for queries only
        return None
    documents.get(text)  # counted as the parse step counts a document found
    refusal = limits.check_document(
        core_schema(schema), cached.document, operation_name, variables, cached
    )
    if refusal is not None:
        return ExecutionResult(data=None, errors=[refusal], extensions={"cost": limits.report()})
    data = await executions.answer(prepared, context)
    if data is None:
        return None
    return ExecutionResult(data=data, errors=None, extensions={"cost": limits.report()})
