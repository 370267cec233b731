"""Bearer authentication of /graphql requests, and the headers a request sends once."""

from aiohttp import web

from graph.errors import HTTPProblem
from graph.http.site_context import HEADER as SITE_CONTEXT
from store.keys import ApiKey, ApiKeys

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="invoicegraph"'}

SINGLE_HEADERS = ("Authorization", SITE_CONTEXT)
"""Headers a request sends once: of two, a proxy's narrowing one could lose to the client's."""


def refuse_repeated_headers(request: web.Request) -> None:
    for name in SINGLE_HEADERS:
        count = len(request.headers.getall(name, ()))
        if count > 1:
            raise HTTPProblem(
                400,
                "DUPLICATE_HEADER",
                f"The request sends {count} {name} headers; send exactly one.",
            )


async def authenticate(request: web.Request, keys: ApiKeys) -> ApiKey:
    """The key of `Authorization: Bearer <key>`; an HTTPProblem (401) without a known one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPProblem(
            401,
            "UNAUTHENTICATED",
            "Send an API key as 'Authorization: Bearer <key>'.",
            CHALLENGE,
        )
    api_key = await keys.authenticate(token.strip())
    if api_key is None:
        raise HTTPProblem(401, "UNAUTHENTICATED", "Unknown API key.", CHALLENGE)
    return api_key
