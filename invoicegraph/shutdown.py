"""Serving until SIGTERM (or SIGINT), then stopping gracefully.

On the signal the server stops accepting connections and closes idle keep-alive ones,
lets the requests in flight finish for up to `drain_seconds` (then cancels the rest), and
only then runs the app's cleanup, which closes the database client.
"""

import asyncio
import gc
import logging
import signal
import socket
from collections.abc import Sequence

from aiohttp import web

from invoicegraph.observability import OBSERVER
from invoicegraph.parser_errors import ApiAppRunner

log = logging.getLogger("invoicegraph.shutdown")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def stop_signal(signals: Sequence[signal.Signals] = STOP_SIGNALS) -> signal.Signals:
    """Wait for one of `signals` (SIGTERM or SIGINT); returns the one that came."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def receive(which: signal.Signals) -> None:
        if not received.done():
            received.set_result(which)

    for which in signals:
        loop.add_signal_handler(which, receive, which)
    try:
        return await received
    finally:
        for which in signals:
            loop.remove_signal_handler(which)


async def serve_until_stopped(
    app: web.Application,
    listener: socket.socket,
    drain_seconds: float,
    signals: Sequence[signal.Signals] = STOP_SIGNALS,
) -> None:
    """Open the app's resources, serve on the bound `listener`, and on a stop signal drain
    and close everything."""
    # access_log=None: the request middleware already logs one JSON line per request.
    runner = ApiAppRunner(app, shutdown_timeout=drain_seconds, access_log=None)
    await runner.setup()
    # What start-up built (the schema, the embedded store's documents) lives as long as the
    # process: out of the collector's full passes, which a full page otherwise triggers
    # every few requests (a quarter of its CPU, bench/peer.py).
    gc.freeze()
    try:
        site = web.SockSite(runner, listener)
        await site.start()
        host, port = listener.getsockname()[:2]
        log.info("listening on http://%s:%d", host, port)
        which = await stop_signal(signals)
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
