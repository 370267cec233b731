"""The Strawberry extension that applies a request's limits (graph/limits/checks.py).

It also refuses a document whose operation the request leaves unchosen, and keeps schema
hints out of the errors of keys that may not introspect.
"""

import re
from collections.abc import Iterator
from typing import Any, Protocol

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

from graph.core_schema import core_schema
from graph.document_cache import CachedDocument, DocumentCache
from graph.errors import ClientError
from graph.limits.checks import RequestLimits
from graph.limits.query_shape import operations_to_run

SUGGESTION = re.compile(r" Did you mean [^?]*\?")
"""graphql-core's hint naming fields, types or arguments close to a misspelt one."""


class LimitedRequest(Protocol):
    """What this extension reads of a request's context (graph/context.py's Context)."""

    limits: RequestLimits | None
    """The request's limits; None: the defaults."""
    operation_name: str | None
    """The operationName as the request sent it."""


class QueryLimitsExtension(SchemaExtension):
    """Applies the request's limits (Context.limits) around Strawberry's parse and validation.

    Runs before ArgumentErrors (graph/schema.py), so a refused query is never validated.
    Made anew for every request (graph/schema.py hands Strawberry a factory), so what it
    learns about the request's document stays on it.
    """

    def __init__(self, *, documents: DocumentCache | None = None) -> None:
        self._documents = documents
        """The process's parsed documents by text; None: parse every request's text."""
        self._cached: CachedDocument | None = None
        """This request's entry in `documents`, once its text has passed the text limits."""
        self._own: RequestLimits | None = None

    def _context(self) -> LimitedRequest | None:
        context = self.execution_context.context
        # The attributes, not isinstance: a runtime Protocol check costs microseconds.
        if hasattr(context, "limits") and hasattr(context, "operation_name"):
            request: LimitedRequest = context
            return request
        return None

    def _limits(self) -> RequestLimits:
        context = self._context()
        if context is not None and context.limits is not None:
            return context.limits
        if self._own is None:  # run without our Context: the default limits
            self._own = RequestLimits()
        return self._own

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        cache = self._documents
        text = execution.query
        if text is not None and execution.graphql_document is None:
            cached = cache.get(text) if cache is not None else None
            if cached is not None:
                # Seen before: it passed the text limits and parsed; Strawberry skips parsing.
                self._cached = cached
                execution.graphql_document = cached.document
            else:
                refusal = self._limits().check_text(text)
                if refusal is not None:
                    # Raised, not recorded: Strawberry would parse the document anyway.
                    raise refusal
        yield
        document = execution.graphql_document
        if cache is None or text is None or document is None:
            return
        if self._cached is None:
            self._cached = cache.add(text, document)

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and execution.pre_execution_errors is None:
            context = self._context()
            # Strawberry's operation_name falls back to the first operation: ours is as sent.
            requested = context.operation_name if context else execution.operation_name
            refusal = _unchosen_operation(document, requested) or self._limits().check_document(
                core_schema(execution.schema),
                document,
                requested,
                execution.variables,
                self._cached,
            )
            if refusal is not None:
                # Recorded before ArgumentErrors runs: validation is skipped, nothing executes.
                execution.pre_execution_errors = [refusal]
        yield

    def get_results(self) -> dict[str, Any]:
        limits = self._limits()
        if not limits.introspection_allowed:
            # Every error of the answer is here by now (validation, variables, execution).
            # "Did you mean ...?" would describe the schema to a key that may not explore it.
            for error in self.execution_context.pre_execution_errors or ():
                error.message = SUGGESTION.sub("", error.message)
        return {"cost": limits.report()}


def _unchosen_operation(document: DocumentNode, operation_name: str | None) -> GraphQLError | None:
    """Several operations and no operationName: a request error (Strawberry would run the first)."""
    if operation_name or len(operations_to_run(document, None)) < 2:
        return None
    return ClientError("The document has several operations: name one in 'operationName'.")
