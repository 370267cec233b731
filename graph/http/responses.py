"""The answers of /graphql: JSON bodies, refusals, and GraphQL results with their errors
shaped (codes for every error; unexpected failures logged once, behind an error id)."""

import logging
import uuid
from typing import Any

import orjson
from aiohttp import web
from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, get_operation_ast
from graphql import OperationType as GraphQLOperationType
from strawberry.types import ExecutionResult

from graph.errors import (
    RETRY_AFTER_SECONDS,
    SERVICE_UNAVAILABLE,
    ClientError,
    HTTPProblem,
    QueryTimeout,
    internal_server_error,
    service_unavailable_message,
)
from graph.http.negotiation import JSON
from store.client import StoreUnavailable

log = logging.getLogger("invoicegraph.errors")


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


def unavailable(error: StoreUnavailable) -> HTTPProblem:
    """The answer when the store failed before execution (looking up a persisted document)."""
    return HTTPProblem(
        503,
        SERVICE_UNAVAILABLE,
        service_unavailable_message(error.reason),
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


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


def is_mutation(document: DocumentNode | None, name: str | None) -> bool:
    """True when the operation the request runs is a mutation."""
    if document is None:
        return False
    operation = get_operation_ast(document, name)
    return operation is not None and operation.operation is GraphQLOperationType.MUTATION


def format_result(result: ExecutionResult, request_error: bool) -> dict[str, Any]:
    """The response body of a result: a request error answers without `data`."""
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [format_error(error, request_error) for error in result.errors]
    if not request_error:
        body["data"] = result.data
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def format_error(error: GraphQLError, request_error: bool) -> dict[str, Any]:
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
