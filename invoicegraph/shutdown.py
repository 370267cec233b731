"""Serving until SIGTERM (or SIGINT), then stopping gracefully.

On the signal the server stops accepting connections and closes idle keep-alive ones,
lets the requests in flight finish for up to `drain_seconds` (then cancels the rest), and
only then runs the app's cleanup, which closes the database client.
"""

import asyncio
import logging
import signal

from aiohttp import web

from invoicegraph.observability import OBSERVER
from invoicegraph.parser_errors import ApiAppRunner

log = logging.getLogger("invoicegraph.shutdown")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def stop_signal() -> signal.Signals:
    """Wait for SIGTERM or SIGINT; returns the one that came."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def receive(which: signal.Signals) -> None:
        if not received.done():
            received.set_result(which)

    for which in STOP_SIGNALS:
        loop.add_signal_handler(which, receive, which)
    try:
        return await received
    finally:
        for which in STOP_SIGNALS:
            loop.remove_signal_handler(which)


async def serve_until_stopped(
    app: web.Application, host: str, port: int, drain_seconds: float
) -> None:
    """Open the app's resources, listen, and on a stop signal drain and close everything."""
    # access_log=None: the request middleware already logs one JSON line per request.
    runner = ApiAppRunner(app, shutdown_timeout=drain_seconds, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("listening on http://%s:%d", host, port)
        which = await stop_signal()
        observer = app.get(OBSERVER)
        in_flight = observer.in_flight if observer is not None else "unknown"
        log.info(
            "%s: no longer accepting; %s requests in flight get up to %gs to finish",
            which.name,
            in_flight,
            drain_seconds,
        )
    finally:
        await runner.cleanup()
    log.info("stopped: requests drained, database client closed")
