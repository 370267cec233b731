"""HTTP caching of persisted queries over GET: an ETag, `Cache-Control: private` and 304s."""

import hashlib
from typing import Any

import orjson
from aiohttp import web

from graph.http.site_context import HEADER as SITE_CONTEXT
from graph.persisted.requests import RequestedDocument


def cacheable(request: web.Request, requested: RequestedDocument, body: dict[str, Any]) -> bool:
    """A persisted query over GET that ran cleanly: same URL and key, same answer."""
    return request.method == "GET" and requested.named_by_id and "errors" not in body


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def cached_response(
    request: web.Request, body: dict[str, Any], media_type: str, max_age: int
) -> web.Response:
    """The answer with its validators; 304 without a body when the client holds it."""
    payload = orjson.dumps(body, default=str)
    digest = hashlib.sha256(media_type.encode() + b"\n" + payload).hexdigest()
    headers = {
        # private: the answer depends on the caller's key, so no shared cache may keep it.
        "Cache-Control": f"private, max-age={max_age}",
        "ETag": f'"{digest[:32]}"',
        # The channel of the site context narrows the invoices, so it changes the answer.
        "Vary": f"Accept, Authorization, {SITE_CONTEXT}",
    }
    if etag_matches(request.headers.get("If-None-Match"), headers["ETag"]):
        return web.Response(status=304, headers=headers)
    return web.Response(body=payload, content_type=media_type, charset="utf-8", headers=headers)
