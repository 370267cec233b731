"""`serve --workers N`: N processes serve one port, each on its own SO_REUSEPORT socket.

The parent reserves the port (startup.reserve_shared_port), does the once-per-database
start-up work (demo data, indexes, trusted documents, files to ingest), then forks the
workers. Each listens on a socket of its own bound with SO_REUSEPORT (aiohttp serves any
socket it is given), and the kernel spreads new connections evenly over them; one shared
accepting socket would not, since whichever event loop wakes first accepts a whole burst.
A worker is one ordinary server (its own event loop, database client and caches).
SIGTERM or SIGINT to the parent is passed on as SIGTERM: each worker drains its requests in
flight and closes; the parent exits once all have. A worker that dies on its own takes the
others down (exit 1): a supervisor restarts the whole service.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Sequence

from graph.persisted.trusted_documents import TrustedDocument
from invoicegraph.app import create_app, prepare_once
from invoicegraph.settings import Settings
from invoicegraph.shutdown import STOP_SIGNALS, serve_until_stopped
from invoicegraph.startup import shared_listener

log = logging.getLogger("invoicegraph.workers")

EXIT_WORKER_FAILED = 1


def serve_workers(
    settings: Settings, trusted: Sequence[TrustedDocument] | None, reserved: socket.socket
) -> int:
    """Run `settings.workers` servers on the `reserved` address until a stop signal; the
    exit status."""
    asyncio.run(prepare_once(settings, trusted))
    # Done above, once: the workers only open their clients and serve.
    worker_settings = settings.model_copy(
        update={"demo_data": False, "ingest": [], "trusted_documents": None}
    )
    stopping = False

    def stop(which: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            log.info("%s: stopping %d workers", signal.Signals(which).name, len(children))
            for pid in children:
                _signal(pid, signal.SIGTERM)

    children: list[int] = []
    # Held until every worker is forked, so none misses a signal and none inherits the handler.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for number in range(1, settings.workers + 1):
            pid = os.fork()
            if pid == 0:
                os._exit(_worker(number, worker_settings, reserved))
            children.append(pid)
        for which in STOP_SIGNALS:
            signal.signal(which, stop)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    log.info("%d workers serving on pid %s", len(children), ", ".join(map(str, children)))
    status = 0
    running = set(children)
    while running:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        running.discard(pid)
        exit_code = os.waitstatus_to_exitcode(code)
        if not stopping:
            log.error("worker %d exited (%d): stopping the others", pid, exit_code)
            status = EXIT_WORKER_FAILED
            stop(signal.SIGTERM, None)
    log.info("all workers stopped")
    return status


def _worker(number: int, settings: Settings, reserved: socket.socket) -> int:
    """A forked worker's life: serve until SIGTERM from the parent. Its exit status."""
    # Ctrl-C reaches the whole process group: only the parent's SIGTERM stops a worker, once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        listener = shared_listener(reserved.getsockname()[:2])
        reserved.close()
        app = create_app(settings)
        drain = settings.shutdown_timeout_seconds
        asyncio.run(serve_until_stopped(app, listener, drain, (signal.SIGTERM,)))
    except Exception:
        log.exception("worker %d failed", number)
        return EXIT_WORKER_FAILED
    return 0


def _signal(pid: int, which: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has exited already
        os.kill(pid, which)
