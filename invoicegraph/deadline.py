"""One deadline for all the database work of a request, so no request waits on it for longer.

Without it each command gets the full timeout on its own: a request that reads a page and
its count would wait twice as long for a database that is gone.
"""

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from store.client import shared_deadline


def database_deadline(seconds: float) -> Middleware:
    """A middleware giving each request `seconds` for all its database calls together."""

    @web.middleware
    async def within_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        with shared_deadline(seconds):
            return await handler(request)

    return within_deadline
