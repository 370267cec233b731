"""The /graphql endpoint: GraphQL over HTTP on aiohttp, around the Strawberry schema."""

import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.context import Context
from graph.errors import ClientError
from graph.schema import InvoiceGraphSchema
from store.invoices import InvoiceStore, Scope
from store.keys import ApiKey, KeyRing

log = logging.getLogger("invoicegraph.errors")

Params = dict[str, Any]


class HTTPProblem(Exception):
    """A request refused before execution, answered with a status and one error."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body, default=str),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def problem_response(problem: HTTPProblem) -> web.Response:
    error = {"message": problem.message, "extensions": {"code": problem.code}}
    return json_response({"errors": [error]}, problem.status, problem.headers)


class GraphQLView:
    """Authenticates, reads the GraphQL request, runs it, and shapes the HTTP answer."""

    def __init__(
        self,
        schema: InvoiceGraphSchema,
        keys: Callable[[], KeyRing],
        invoices: Callable[[], InvoiceStore],
    ) -> None:
        self.schema = schema
        self._keys = keys
        self._invoices = invoices

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET" and self._wants_graphiql(request):
            return web.Response(text=get_graphql_ide_html(), content_type="text/html")
        try:
            api_key = self._authenticate(request)
            params = await self._read_params(request)
            result = await self._execute(request, api_key, params)
        except HTTPProblem as problem:
            return problem_response(problem)
        return json_response(self._format_result(result))

    @staticmethod
    def _wants_graphiql(request: web.Request) -> bool:
        return "query" not in request.query and "text/html" in request.headers.get("Accept", "")

    def _authenticate(self, request: web.Request) -> ApiKey:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="invoicegraph"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPProblem(
                401,
                "UNAUTHENTICATED",
                "Send an API key as 'Authorization: Bearer <key>'.",
                challenge,
            )
        api_key = self._keys().authenticate(token.strip())
        if api_key is None:
            raise HTTPProblem(401, "UNAUTHENTICATED", "Unknown API key.", challenge)
        return api_key

    async def _read_params(self, request: web.Request) -> Params:
        if request.method == "GET":
            params: Params = dict(request.query)
            for name in ("variables", "extensions"):
                if name in params:
                    params[name] = self._decode_json(params[name], f"'{name}' parameter")
        else:
            if request.content_type != "application/json":
                raise HTTPProblem(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "POST a JSON body with 'Content-Type: application/json'.",
                )
            params = self._decode_json(await request.read(), "request body")
            if not isinstance(params, dict):
                raise HTTPProblem(400, "BAD_REQUEST", "The request body must be a JSON object.")
        return self._check_params(params)

    @staticmethod
    def _decode_json(text: str | bytes, what: str) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise HTTPProblem(
                400, "BAD_REQUEST", f"The {what} is not valid JSON: {error}"
            ) from None

    @staticmethod
    def _check_params(params: Params) -> Params:
        expected = {"query": str, "variables": dict, "operationName": str, "extensions": dict}
        for name, kind in expected.items():
            value = params.get(name)
            if value is not None and not isinstance(value, kind):
                raise HTTPProblem(
                    400, "BAD_REQUEST", f"'{name}' must be a {'string' if kind is str else 'map'}."
                )
        if not params.get("query"):
            raise HTTPProblem(400, "BAD_REQUEST", "The request has no 'query'.")
        return params

    async def _execute(
        self, request: web.Request, api_key: ApiKey, params: Params
    ) -> ExecutionResult:
        scope = Scope(account=api_key.account)
        context = Context.for_request(api_key, self._invoices().scoped(scope))
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            return await self.schema.execute(
                params["query"],
                variable_values=params.get("variables"),
                context_value=context,
                operation_name=params.get("operationName"),
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            raise HTTPProblem(
                405, "METHOD_NOT_ALLOWED", "Mutations are sent with POST.", {"Allow": "POST"}
            ) from None
        except MissingQueryError:
            raise HTTPProblem(400, "BAD_REQUEST", "The request has no 'query'.") from None

    def _format_result(self, result: ExecutionResult) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if result.errors:
            before_execution = result.data is None
            body["errors"] = [
                self._format_error(error, before_execution) for error in result.errors
            ]
        if result.data is not None or not result.errors:
            body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        return body

    @staticmethod
    def _format_error(error: GraphQLError, before_execution: bool) -> dict[str, Any]:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            error_id = uuid.uuid4().hex
            log.error("error %s at %s", error_id, error.path, exc_info=original)
            formatted: dict[str, Any] = {
                "message": f"Internal server error (error id {error_id}).",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
            }
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
            elif before_execution and error.message.startswith("Variable "):
                extensions["code"] = "BAD_USER_INPUT"
            elif before_execution:
                extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
            else:
                extensions["code"] = "BAD_USER_INPUT"
        formatted["extensions"] = extensions
        return formatted
