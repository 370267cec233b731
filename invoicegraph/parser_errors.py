"""Requests that aiohttp cannot parse as HTTP, answered in the API's own JSON error shape.

aiohttp answers them itself, before any middleware: a text/plain 400 without a code or a
request id, echoing part of the offending line (an oversized Authorization value
included), logged with a traceback at error level. `ApiAppRunner` serves the app with a
request handler that answers `{"errors": [...]}` with a code and an `X-Request-Id`,
echoes nothing of the request, and logs one warning line without a traceback.
"""

import logging
import uuid
from http import HTTPStatus

import orjson
from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
)
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_server import Server

from invoicegraph.observability import REQUEST_ID_HEADER

log = logging.getLogger("invoicegraph.requests")

REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (LineTooLong, "a request line or header is longer than the server reads"),
    (BadHttpMethod, "the request line is not HTTP"),
    (BadStatusLine, "the request line is malformed"),
    (InvalidURLError, "the request target is malformed"),
    (InvalidHeader, "a header is malformed"),
)


def reason_of(error: BaseException | None) -> str:
    """What was wrong, in our words: aiohttp's message quotes the request's bytes."""
    for kind, reason in REASONS:
        if isinstance(error, kind):
            return reason
    return "the request is not well-formed HTTP"


class ApiRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # a failure of ours, not a malformed request: aiohttp's own path
            return super().handle_error(request, status, exc, message)
        request_id = uuid.uuid4().hex
        reason = reason_of(exc)
        log.warning(
            "request %s refused: %s (%s)", request_id, reason, type(exc).__name__ if exc else "-"
        )
        error = {
            "message": f"Bad request: {reason}. Nothing was read or run.",
            "extensions": {"code": "BAD_HTTP_REQUEST", "requestId": request_id},
        }
        response = web.Response(
            status=status if status in (HTTPStatus.BAD_REQUEST, 413, 414, 431) else 400,
            body=orjson.dumps({"errors": [error]}),
            content_type="application/json",
            charset="utf-8",
            headers={REQUEST_ID_HEADER: request_id},
        )
        response.force_close()
        return response


class ApiServer(Server):
    def __call__(self) -> RequestHandler:
        return ApiRequestHandler(self, loop=self._loop, **self._kwargs)


class ApiAppRunner(web.AppRunner):
    """aiohttp's AppRunner whose connections answer parser errors as the API does."""

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        server.__class__ = ApiServer  # the same object: only its handler factory differs
        return server
