"""The /graphql endpoint: GraphQL over HTTP on aiohttp, around the Strawberry schema.

Responses follow the GraphQL-over-HTTP spec: `application/graphql-response+json` when the
client accepts it (request errors answer 400 without `data`), else legacy `application/json`
(every well-formed request answers 200). Persisted documents run by id
(graph/persisted/requests.py).
"""

import asyncio
import hashlib
import json
import logging
import math
import re
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, get_operation_ast
from graphql import OperationType as GraphQLOperationType
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.compiled.executor import CompiledExecutions
from graph.context import Context, IngestReporter, unreported
from graph.document_cache import DocumentCache
from graph.errors import (
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE,
    ClientError,
    QueryTimeout,
    internal_server_error,
    service_unavailable_message,
)
from graph.http.graphiql import GraphiQL
from graph.http.live import LiveServer
from graph.http.problem import HTTPProblem
from graph.http.request_record import request_record
from graph.http.site_context import HEADER as SITE_CONTEXT
from graph.http.site_context import request_scope
from graph.limits.checks import LimitPolicy, QueryLimits, RequestLimits
from graph.permissions import IngestScope
from graph.persisted.requests import PersistedQueries, RequestedDocument
from graph.schema import InvoiceGraphSchema
from graph.webhooks.admin import WebhookAdmin
from seeds.akinon_currency import NO_DEFAULT_CURRENCIES, DefaultCurrencies
from store.client import StoreUnavailable
from store.domain.changes import ACKNOWLEDGE_CLOCK_SKEW_SECONDS
from store.invoices import InvoiceStore
from store.keys import ApiKey, ApiKeys

__all__ = ["GraphQLView", "HTTPProblem", "json_response"]

log = logging.getLogger("invoicegraph.errors")

Params = dict[str, Any]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# What the client may name in Accept -> the media type we answer with; */* keeps the
# legacy type, as the spec asks until clients opt in to the new one.
ACCEPTABLE = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    JSON: JSON,
    "application/*": JSON,
    "*/*": JSON,
}
REQUEST_PARAMS = {
    "query": str,
    "variables": dict,
    "operationName": str,
    "extensions": dict,
    "documentId": str,
}


def json_response(
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = JSON,
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body, default=str),
        status=status,
        content_type=media_type,
        charset="utf-8",
        headers=headers,
    )


def problem_response(
    problem: HTTPProblem, media_type: str = JSON, extensions: dict[str, Any] | None = None
) -> web.Response:
    error = {"message": problem.message, "extensions": {"code": problem.code}}
    body: dict[str, Any] = {"errors": [error]}
    if extensions:
        body["extensions"] = extensions
    return json_response(body, problem.status, problem.headers, media_type)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when we have none it accepts."""
    if not accept or not accept.strip():
        return JSON
    best, best_quality = None, 0.0
    for entry in accept.split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        media_type = ACCEPTABLE.get(name.lower())
        quality = _quality(parameters)
        # Equal quality: prefer the spec's own media type over the legacy one.
        better = quality > best_quality or (
            quality == best_quality and media_type == GRAPHQL_RESPONSE_JSON
        )
        if media_type and quality > 0 and better:
            best, best_quality = media_type, quality
    return best


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """True when the request never executed: it failed to parse, validate or coerce variables.

    Errors raised while executing always carry a path; request errors never do.
    """
    errors = result.errors or []
    if any(isinstance(error, QueryTimeout) for error in errors):
        return False  # it executed, for too long
    return result.data is None and bool(errors) and all(not error.path for error in errors)


def store_failed(result: ExecutionResult) -> bool:
    """True when the store could not answer some part of the request."""
    return any(isinstance(error.original_error, StoreUnavailable) for error in result.errors or ())


def wrote(result: ExecutionResult, document: DocumentNode | None, name: str | None) -> bool:
    """True when a mutation ran: its data must reach the client, whatever else failed."""
    if result.data is None or document is None:
        return False
    operation = get_operation_ast(document, name)
    return operation is not None and operation.operation is GraphQLOperationType.MUTATION


def unavailable(error: StoreUnavailable) -> HTTPProblem:
    """The answer when the store failed before execution (looking up a persisted document)."""
    return HTTPProblem(
        503,
        SERVICE_UNAVAILABLE,
        service_unavailable_message(error.reason),
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


SINGLE_HEADERS = ("Authorization", SITE_CONTEXT)
"""Headers a request sends once: of two, a proxy's narrowing one could lose to the client's."""


def _refuse_repeated_headers(request: web.Request) -> None:
    for name in SINGLE_HEADERS:
        count = len(request.headers.getall(name, ()))
        if count > 1:
            raise HTTPProblem(
                400,
                "DUPLICATE_HEADER",
                f"The request sends {count} {name} headers; send exactly one.",
            )


LONG_INTEGER = re.compile(rb"\d{19}")
"""Nineteen digits in a row: perhaps an integer that 64 bits cannot hold."""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _is_mutation(context: Context) -> bool:
    document = context.document
    if document is None:
        return False
    operation = get_operation_ast(document, context.operation_name)
    return operation is not None and operation.operation is GraphQLOperationType.MUTATION


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body a key may send: keys that ingest push batches of records."""

    default: int = 1_000_000
    ingest: int = 6_000_000

    def for_key(self, api_key: ApiKey) -> int:
        return max(self.default, self.ingest) if api_key.grants(IngestScope.scope) else self.default


class GraphQLView:
    """Authenticates, reads the GraphQL request, runs it, and shapes the HTTP answer."""

    def __init__(
        self,
        schema: InvoiceGraphSchema,
        keys: Callable[[], ApiKeys],
        invoices: Callable[[], InvoiceStore],
        persisted: Callable[[], PersistedQueries],
        graphiql: GraphiQL,
        cache_max_age: int = 60,
        limits: LimitPolicy | None = None,
        report_ingest: IngestReporter = unreported,
        compiled: bool = True,
        clock_skew_seconds: float = ACKNOWLEDGE_CLOCK_SKEW_SECONDS,
        body_limits: BodyLimits | None = None,
        default_currencies: DefaultCurrencies = NO_DEFAULT_CURRENCIES,
        request_timeout: float | None = None,
        webhooks: Callable[[], WebhookAdmin | None] | None = None,
    ) -> None:
        self.schema = schema
        self._limits = limits or LimitPolicy(QueryLimits())
        self._report_ingest = report_ingest
        self._keys = keys
        self._invoices = invoices
        self._persisted = persisted
        self._graphiql = graphiql
        self._cache_max_age = cache_max_age
        self.documents = DocumentCache()
        self.executions = CompiledExecutions(enabled=compiled)
        self._clock_skew_seconds = clock_skew_seconds
        self._body_limits = body_limits or BodyLimits()
        self._default_currencies = default_currencies
        self._request_timeout = request_timeout
        """Seconds a query may execute (None: no budget); mutations run to their end."""
        self.live: LiveServer | None = None
        """GraphQL over WebSocket (graph/http/live.py), when the app serves it."""
        self._webhooks = webhooks

    def unpriced(self) -> dict[str, Any]:
        """`extensions` of an answer that computed no cost (a refusal, a failure)."""
        return self._limits.unpriced()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.live is not None and request.method == "GET" and self.live.is_upgrade(request):
            return await self.live.handle(request)
        if (
            self.live is not None
            and request.method == "POST"
            and "text/event-stream" in request.headers.get("Accept", "")
        ):
            return await self.live.handle_sse(request)
        if request.method == "GET" and self._wants_graphiql(request):
            return self._graphiql.page()
        record = request_record(request)
        media_type = negotiate(request.headers.get("Accept"))
        if media_type is None:
            problem = HTTPProblem(
                406,
                "NOT_ACCEPTABLE",
                f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}; this endpoint answers in those.",
            )
            record.refused(problem.code)
            return problem_response(problem, extensions=self._limits.unpriced())
        try:
            _refuse_repeated_headers(request)
            api_key = await self._authenticate(request)
            record.identify(api_key.name, api_key.account)
            scope = request_scope(request.headers.get(SITE_CONTEXT), api_key)
            params = await self._read_params(request, self._body_limits.for_key(api_key))
            requested = await self._persisted().requested_document(params, api_key)
            limits = self._limits.for_key(api_key)
            context = Context.for_request(
                api_key,
                self._invoices().scoped(scope),
                limits,
                self._report_ingest,
                params.get("operationName") or None,
                self.documents,
                self.executions,
                clock_skew_seconds=self._clock_skew_seconds,
                default_currencies=self._default_currencies,
            )
            context.webhooks = self._webhooks() if self._webhooks else None
            result = await self._execute(request, context, limits, requested.text, params)
        except (HTTPProblem, StoreUnavailable) as refusal:
            problem = refusal if isinstance(refusal, HTTPProblem) else unavailable(refusal)
            record.refused(problem.code)
            return problem_response(problem, media_type, self._limits.unpriced())
        request_error = is_request_error(result)
        if not request_error:
            await self._register(requested, api_key)
        body = self._format_result(result, request_error)
        # The document as the limits checked it: the record never parses it again.
        operation_name = params.get("operationName")
        record.answered(context.document, operation_name, body, request_error)
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and store_failed(result)
            and not wrote(result, context.document, operation_name)
        ):
            # The store failed under the request: no partial data, and a status to retry on.
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            failed = {key: body[key] for key in ("errors", "extensions") if key in body}
            return json_response(failed, 503, retry, media_type)
        if limits.retry_after is not None:
            retry_after = str(math.ceil(limits.retry_after) or 1)
            return json_response(body, 429, {"Retry-After": retry_after}, media_type)
        status = 400 if request_error and media_type == GRAPHQL_RESPONSE_JSON else 200
        if self._cacheable(request, requested, body):
            return self._cached_response(request, body, media_type)
        return json_response(body, status, media_type=media_type)

    async def _register(self, requested: RequestedDocument, api_key: ApiKey) -> None:
        """Best effort: the answer is computed, and a mutation behind it may have committed."""
        try:
            await self._persisted().register(requested, api_key)
        except StoreUnavailable as failure:
            log.warning(
                "persisted query %s not registered: %s", requested.register_as, failure.reason
            )

    @staticmethod
    def _wants_graphiql(request: web.Request) -> bool:
        asks_for_html = "text/html" in request.headers.get("Accept", "")
        return asks_for_html and not any(name in request.query for name in REQUEST_PARAMS)

    async def _authenticate(self, request: web.Request) -> ApiKey:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="invoicegraph"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPProblem(
                401,
                "UNAUTHENTICATED",
                "Send an API key as 'Authorization: Bearer <key>'.",
                challenge,
            )
        api_key = await self._keys().authenticate(token.strip())
        if api_key is None:
            raise HTTPProblem(401, "UNAUTHENTICATED", "Unknown API key.", challenge)
        return api_key

    async def _read_params(self, request: web.Request, max_bytes: int) -> Params:
        if request.method == "GET":
            params: Params = dict(request.query)
            for name in ("variables", "extensions"):
                if name in params:
                    params[name] = self._decode_json(params[name], f"'{name}' parameter")
        else:
            if request.content_type != JSON:
                raise HTTPProblem(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "POST a JSON body with 'Content-Type: application/json'.",
                )
            params = self._decode_json(await self._read_body(request, max_bytes), "request body")
            if isinstance(params, list):
                raise HTTPProblem(
                    400,
                    "BATCH_NOT_SUPPORTED",
                    "Batched requests (a JSON array) are not supported: send each operation in "
                    "its own request.",
                )
            if not isinstance(params, dict):
                raise HTTPProblem(400, "BAD_REQUEST", "The request body must be a JSON object.")
        return self._check_params(params)

    @staticmethod
    async def _read_body(request: web.Request, max_bytes: int) -> bytes:
        too_large = HTTPProblem(
            413,
            "REQUEST_TOO_LARGE",
            f"The request body is too large: this key may send at most {max_bytes:,} bytes.",
        )
        if (request.content_length or 0) > max_bytes:
            raise too_large  # refused unread
        try:
            body = await request.read()  # aiohttp stops at the largest limit of any key
        except web.HTTPRequestEntityTooLarge:
            raise too_large from None
        if len(body) > max_bytes:
            raise too_large
        return body

    @staticmethod
    def _decode_json(text: str | bytes, what: str) -> Any:
        try:
            if LONG_INTEGER.search(text if isinstance(text, bytes) else text.encode()):
                # orjson reads an integer beyond 64 bits as a rounded float: read it exactly,
                # so that it is refused as such (graph/mutations, store/domain/field_names.py).
                return json.loads(text, parse_constant=_not_json)
            return orjson.loads(text)
        except (orjson.JSONDecodeError, ValueError, RecursionError) as error:
            raise HTTPProblem(
                400, "BAD_REQUEST", f"The {what} is not valid JSON: {error}"
            ) from None

    @staticmethod
    def _check_params(params: Params) -> Params:
        for name, kind in REQUEST_PARAMS.items():
            value = params.get(name)
            if value is not None and not isinstance(value, kind):
                raise HTTPProblem(
                    400, "BAD_REQUEST", f"'{name}' must be a {'string' if kind is str else 'map'}."
                )
        return params

    async def _execute(
        self,
        request: web.Request,
        context: Context,
        limits: RequestLimits,
        document: str,
        params: Params,
    ) -> ExecutionResult:
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
                context,
                limits,
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
        self, execution: Awaitable[ExecutionResult], context: Context, limits: RequestLimits
    ) -> ExecutionResult:
        """The execution's result, or QUERY_TIMEOUT once a query passes the time budget.

        The execution is cancelled there: its awaits (database cursors, loaders) unwind and
        release what they hold. A mutation is never cut halfway: it runs to its end.
        """
        task = asyncio.ensure_future(execution)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._request_timeout)
            if not done and _is_mutation(context):
                return await task
        except asyncio.CancelledError:  # the client left, or the server stops
            task.cancel()
            raise
        if done:
            return task.result()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        assert self._request_timeout is not None
        milliseconds = round(self._request_timeout * 1000)
        error = QueryTimeout(
            f"The query ran past this API's time budget of {milliseconds} ms and was stopped: "
            "ask for less (smaller pages, fewer nested lists, fewer counts).",
            budgetMs=milliseconds,
        )
        return ExecutionResult(data=None, errors=[error], extensions={"cost": limits.report()})

    @staticmethod
    def _cacheable(
        request: web.Request, requested: RequestedDocument, body: dict[str, Any]
    ) -> bool:
        """A persisted query over GET that ran cleanly: same URL and key, same answer."""
        return request.method == "GET" and requested.named_by_id and "errors" not in body

    def _cached_response(
        self, request: web.Request, body: dict[str, Any], media_type: str
    ) -> web.Response:
        payload = orjson.dumps(body, default=str)
        digest = hashlib.sha256(media_type.encode() + b"\n" + payload).hexdigest()
        headers = {
            # private: the answer depends on the caller's key, so no shared cache may keep it.
            "Cache-Control": f"private, max-age={self._cache_max_age}",
            "ETag": f'"{digest[:32]}"',
            # The channel of the site context narrows the invoices, so it changes the answer.
            "Vary": f"Accept, Authorization, {SITE_CONTEXT}",
        }
        if etag_matches(request.headers.get("If-None-Match"), headers["ETag"]):
            return web.Response(status=304, headers=headers)
        return web.Response(body=payload, content_type=media_type, charset="utf-8", headers=headers)

    def _format_result(self, result: ExecutionResult, request_error: bool) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [self._format_error(error, request_error) for error in result.errors]
        if not request_error:
            body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        return body

    @staticmethod
    def _format_error(error: GraphQLError, request_error: bool) -> dict[str, Any]:
        original = error.original_error
        if isinstance(original, StoreUnavailable):
            answer: dict[str, Any] = {
                "message": service_unavailable_message(original.reason),
                "extensions": {"code": SERVICE_UNAVAILABLE},
            }
            if error.path:
                answer["path"] = error.path
            return answer
        if original is not None and not isinstance(original, GraphQLError):
            error_id = uuid.uuid4().hex
            log.error("error %s at %s", error_id, error.path, exc_info=original)
            formatted: dict[str, Any] = internal_server_error(error_id, "error")
            if error.path:
                formatted["path"] = error.path
            return formatted
        formatted = dict(error.formatted)
        extensions = dict(formatted.get("extensions") or {})
        if "code" not in extensions:
            if isinstance(error, GraphQLSyntaxError):
                extensions["code"] = "GRAPHQL_PARSE_FAILED"
            elif isinstance(original, ClientError):
                extensions["code"] = original.code
            elif request_error and error.message.startswith("Variable "):
                extensions["code"] = "BAD_USER_INPUT"
            elif request_error:
                extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
            else:
                extensions["code"] = "BAD_USER_INPUT"
        formatted["extensions"] = extensions
        return formatted
