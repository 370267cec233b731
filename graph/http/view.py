"""The /graphql endpoint: GraphQL over HTTP on aiohttp, around the Strawberry schema.

Each step has its module: content negotiation (negotiation.py), bearer auth (auth.py),
the request's parameters (params.py), persisted documents (graph/persisted/), the answers
(responses.py) and their HTTP caching (etags.py); WebSockets and server-sent events go to
live.py. This module runs the request through them, within the time budget.
"""

import asyncio
import logging
import math
from collections.abc import Awaitable
from contextlib import suppress

import strawberry
from aiohttp import web
from graphql import DocumentNode, GraphQLError, parse
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.compiled.executor import CompiledExecutions
from graph.context import Context
from graph.document_cache import DocumentCache
from graph.errors import RETRY_AFTER_SECONDS, ClientError, HTTPProblem, QueryTimeout
from graph.http.auth import authenticate, refuse_repeated_headers
from graph.http.etags import cacheable, cached_response
from graph.http.graphiql import GraphiQL
from graph.http.live import LiveServer
from graph.http.negotiation import GRAPHQL_RESPONSE_JSON, JSON, negotiate
from graph.http.params import REQUEST_PARAMS, Params, read_params
from graph.http.plan_route import answer_from_plan
from graph.http.request_record import request_record
from graph.http.responses import (
    format_result,
    is_mutation,
    is_request_error,
    json_response,
    problem_response,
    store_failed,
    unavailable,
)
from graph.http.services import EndpointServices
from graph.http.site_context import HEADER as SITE_CONTEXT
from graph.http.site_context import request_scope
from graph.limits.checks import RequestLimits
from graph.persisted.requests import RequestedDocument
from store.client import StoreUnavailable
from store.keys import ApiKey

log = logging.getLogger("invoicegraph.errors")


class GraphQLView:
    """Authenticates, reads the GraphQL request, runs it, and shapes the HTTP answer."""

    def __init__(
        self,
        services: EndpointServices,
        schema: strawberry.Schema,
        documents: DocumentCache,
        graphiql: GraphiQL,
        cache_max_age: int = 60,
        request_timeout: float | None = None,
        live: LiveServer | None = None,
        executions: CompiledExecutions | None = None,
    ) -> None:
        """`schema`: built with `documents` (graph/schema.py), where each request's parsed
        document is found again after it ran (the request log, the mutation checks)."""
        self.services = services
        self.schema = schema
        self.documents = documents
        self._graphiql = graphiql
        self._cache_max_age = cache_max_age
        self._request_timeout = request_timeout
        """Seconds a query may execute (None: no budget); mutations run to their end."""
        self.live = live
        """GraphQL over WebSocket and server-sent events (graph/http/live.py), when served."""
        self.executions = executions
        """Compiled plans, answering cached queries without Strawberry's pipeline
        (graph/http/plan_route.py); None: every request goes through `schema.execute`."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.live is not None and request.method == "GET" and self.live.is_upgrade(request):
            return await self.live.handle(request)
        if (
            self.live is not None
            and request.method == "POST"
            and "text/event-stream" in request.headers.get("Accept", "")
        ):
            return await self.live.handle_sse(request)
        if request.method == "GET" and _wants_graphiql(request):
            return self._graphiql.page()
        services = self.services
        record = request_record(request)
        media_type = negotiate(request.headers.get("Accept"))
        if media_type is None:
            problem = HTTPProblem(
                406,
                "NOT_ACCEPTABLE",
                f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}; this endpoint answers in those.",
            )
            record.refused(problem.code)
            return problem_response(problem, extensions=services.limits.unpriced())
        try:
            refuse_repeated_headers(request)
            api_key = await authenticate(request, services.keys())
            record.identify(api_key.name, api_key.account)
            scope = request_scope(request.headers.get(SITE_CONTEXT), api_key)
            params = await read_params(request, services.body_limits.for_key(api_key))
            requested = await services.persisted().requested_document(params, api_key)
            limits = services.limits.for_key(api_key)
            operation_name = params.get("operationName") or None
            context = services.context(api_key, scope, operation_name, limits)
            result = await self._execute(request, context, limits, requested.text, params)
        except (HTTPProblem, StoreUnavailable) as refusal:
            problem = refusal if isinstance(refusal, HTTPProblem) else unavailable(refusal)
            record.refused(problem.code)
            return problem_response(problem, media_type, services.limits.unpriced())
        request_error = is_request_error(result)
        if not request_error:
            await self._register(requested, api_key)
        body = format_result(result, request_error)
        # The document as the execution parsed it: the record never parses it again.
        document = self._parsed(requested.text)
        record.answered(document, params.get("operationName"), body, request_error)
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and store_failed(result)
            and not self._wrote(result, requested.text, params.get("operationName"))
        ):
            # The store failed under the request: no partial data, and a status to retry on.
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            failed = {key: body[key] for key in ("errors", "extensions") if key in body}
            return json_response(failed, 503, retry, media_type)
        if limits.retry_after is not None:
            retry_after = str(math.ceil(limits.retry_after) or 1)
            return json_response(body, 429, {"Retry-After": retry_after}, media_type)
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE_JSON else 200
        if cacheable(request, requested, body):
            return cached_response(request, body, media_type, self._cache_max_age)
        return json_response(body, status, media_type=media_type)

    def _parsed(self, text: str) -> DocumentNode | None:
        """The document of `text` as the execution parsed it; None when it never parsed, was
        refused unparsed, or is not kept (too long for the cache)."""
        entry = self.documents.peek(text)
        return entry.document if entry is not None else None

    def _runs_mutation(self, text: str, operation_name: str | None) -> bool:
        """Whether the request, which executed, runs a mutation."""
        document = self._parsed(text)
        if document is None:  # not kept: it passed the limits when it ran, so parse it
            try:
                document = parse(text, no_location=True)
            except GraphQLError:
                return False
        return is_mutation(document, operation_name)

    def _wrote(self, result: ExecutionResult, text: str, operation_name: str | None) -> bool:
        """True when a mutation ran: its data must reach the client, whatever else failed."""
        return result.data is not None and self._runs_mutation(text, operation_name)

    async def _register(self, requested: RequestedDocument, api_key: ApiKey) -> None:
        """Best effort: the answer is computed, and a mutation behind it may have committed."""
        try:
            await self.services.persisted().register(requested, api_key)
        except StoreUnavailable as failure:
            log.warning(
                "persisted query %s not registered: %s", requested.register_as, failure.reason
            )

    async def _execute(
        self,
        request: web.Request,
        context: Context,
        limits: RequestLimits,
        document: str,
        params: Params,
    ) -> ExecutionResult:
        loop = asyncio.get_running_loop()
        budget = self._request_timeout
        deadline = None if budget is None else loop.time() + budget
        if self.executions is not None:
            # Queries only: it may be cut at the deadline like any query.
            timeout = asyncio.timeout_at(deadline)
            try:
                async with timeout:
                    planned = await answer_from_plan(
                        self.schema,
                        self.documents,
                        self.executions,
                        context,
                        limits,
                        document,
                        params.get("variables"),
                    )
            except TimeoutError:
                if not timeout.expired():
                    raise
                return self._timed_out(limits)
            if planned is not None:
                return planned
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            return await self._within_budget(
                self.schema.execute(
                    document,
                    variable_values=params.get("variables"),
                    context_value=context,
                    operation_name=context.operation_name,
                    allowed_operation_types=allowed,
                ),
                document,
                context.operation_name,
                limits,
                None if deadline is None else max(0.0, deadline - loop.time()),
            )
        except InvalidOperationTypeError as invalid:
            if invalid.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPProblem(
                    400,
                    "BAD_REQUEST",
                    "Subscriptions run over a WebSocket on /graphql (graphql-transport-ws); "
                    "docs/live-changes.md.",
                ) from None
            raise HTTPProblem(
                405, "METHOD_NOT_ALLOWED", "Mutations are sent with POST.", {"Allow": "POST"}
            ) from None
        except MissingQueryError:
            raise HTTPProblem(400, "BAD_REQUEST", "The request has no 'query'.") from None
        except CannotGetOperationTypeError as unknown:
            name = unknown.operation_name
            message = (
                f"The document has no operation named {name!r}."
                if name
                else "The document has no operation, or several: name one in 'operationName'."
            )
            # A request error like any other (GraphQL over HTTP): the media type sets the status.
            return ExecutionResult(
                data=None, errors=[ClientError(message)], extensions={"cost": limits.report()}
            )

    async def _within_budget(
        self,
        execution: Awaitable[ExecutionResult],
        text: str,
        operation_name: str | None,
        limits: RequestLimits,
        seconds: float | None,
    ) -> ExecutionResult:
        """The execution's result, or QUERY_TIMEOUT once a query passes `seconds` (the rest
        of the request's time budget; None: no budget).

        The execution is cancelled there: its awaits (database cursors, loaders) unwind and
        release what they hold. A mutation is never cut halfway: it runs to its end.
        """
        task = asyncio.ensure_future(execution)
        try:
            done, _ = await asyncio.wait({task}, timeout=seconds)
            if not done and self._runs_mutation(text, operation_name):
                return await task
        except asyncio.CancelledError:  # the client left, or the server stops
            task.cancel()
            raise
        if done:
            return task.result()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        return self._timed_out(limits)

    def _timed_out(self, limits: RequestLimits) -> ExecutionResult:
        assert self._request_timeout is not None
        milliseconds = round(self._request_timeout * 1000)
        error = QueryTimeout(
            f"The query ran past this API's time budget of {milliseconds} ms and was stopped: "
            "ask for less (smaller pages, fewer nested lists, fewer counts).",
            budgetMs=milliseconds,
        )
        return ExecutionResult(data=None, errors=[error], extensions={"cost": limits.report()})


def _wants_graphiql(request: web.Request) -> bool:
    """A browser's GET of /graphql: HTML accepted, and no GraphQL request in the URL."""
    asks_for_html = "text/html" in request.headers.get("Accept", "")
    return asks_for_html and not any(name in request.query for name in REQUEST_PARAMS)
