"""The GraphQL request's parameters: read from the URL (GET) or a JSON body (POST), within
the body limit of the caller's key, and checked for their types."""

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from graph.errors import HTTPProblem
from graph.http.negotiation import JSON
from graph.permissions import IngestScope
from store.keys import ApiKey

Params = dict[str, Any]

REQUEST_PARAMS = {
    "query": str,
    "variables": dict,
    "operationName": str,
    "extensions": dict,
    "documentId": str,
}

LONG_INTEGER = re.compile(rb"\d{19}")
"""Nineteen digits in a row: perhaps an integer that 64 bits cannot hold."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body a key may send: keys that ingest push batches of records."""

    default: int = 1_000_000
    ingest: int = 6_000_000

    def for_key(self, api_key: ApiKey) -> int:
        return max(self.default, self.ingest) if api_key.grants(IngestScope.scope) else self.default


async def read_params(request: web.Request, max_bytes: int) -> Params:
    """The request's parameters; an HTTPProblem when they cannot be read."""
    if request.method == "GET":
        params: Params = dict(request.query)
        for name in ("variables", "extensions"):
            if name in params:
                params[name] = decode_json(params[name], f"'{name}' parameter")
    else:
        if request.content_type != JSON:
            raise HTTPProblem(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "POST a JSON body with 'Content-Type: application/json'.",
            )
        params = decode_json(await _read_body(request, max_bytes), "request body")
        if isinstance(params, list):
            raise HTTPProblem(
                400,
                "BATCH_NOT_SUPPORTED",
                "Batched requests (a JSON array) are not supported: send each operation in "
                "its own request.",
            )
        if not isinstance(params, dict):
            raise HTTPProblem(400, "BAD_REQUEST", "The request body must be a JSON object.")
    return check_params(params)


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


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def decode_json(text: str | bytes, what: str) -> Any:
    try:
        if LONG_INTEGER.search(text if isinstance(text, bytes) else text.encode()):
            # orjson reads an integer beyond 64 bits as a rounded float: read it exactly,
            # so that it is refused as such (graph/mutations, store/domain/field_names.py).
            return json.loads(text, parse_constant=_not_json)
        return orjson.loads(text)
    except (orjson.JSONDecodeError, ValueError, RecursionError) as error:
        raise HTTPProblem(400, "BAD_REQUEST", f"The {what} is not valid JSON: {error}") from None


def check_params(params: Params) -> Params:
    """`params`, once each known parameter has its type (a WebSocket's payload too)."""
    for name, kind in REQUEST_PARAMS.items():
        value = params.get(name)
        if value is not None and not isinstance(value, kind):
            raise HTTPProblem(
                400, "BAD_REQUEST", f"'{name}' must be a {'string' if kind is str else 'map'}."
            )
    return params
