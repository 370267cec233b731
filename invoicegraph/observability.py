"""Every request observed: a request id, one JSON log line, and its metrics.

The GraphQL endpoint fills the request's `RequestRecord` (graph/http/request_record.py) with
what only it knows (operation, key name, outcome, cost); this middleware adds the id,
status and duration, logs one line and counts it.
"""

import asyncio
import functools
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from graph.errors import internal_server_error
from graph.http.request_record import REQUEST_RECORD, Outcome, RequestRecord
from graph.http.responses import json_response
from invoicegraph.metrics import Metrics
from store.client import ReadTally, tallied_reads

REQUEST_ID_HEADER = "X-Request-Id"
GRAPHQL_ENDPOINT = "/graphql"
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""A client's id is kept only if it is this tame: it goes into logs and headers verbatim."""

PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
"""Polled every few seconds by orchestrators and scrapers: logged at DEBUG, not INFO."""

CLIENT_CLOSED = 499
"""The status logged for a request whose client went away before the answer (nginx's)."""

REFUSED_BY_AIOHTTP = {413: "REQUEST_TOO_LARGE"}
"""Refusals aiohttp answers itself, as rejection reasons."""

request_log = logging.getLogger("invoicegraph.requests")


def request_id_of(request: web.Request) -> str:
    """The client's X-Request-Id when well formed (to follow it across services), else a new
    one: 128 random bits in hex, as `uuid4().hex` but without building a UUID."""
    supplied = request.headers.get(REQUEST_ID_HEADER, "")
    if WELL_FORMED_REQUEST_ID.fullmatch(supplied):
        return supplied
    return os.urandom(16).hex()


def endpoint_of(request: web.Request) -> str:
    """The route's path pattern (bounded, unlike paths), or `unmatched`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def internal_error(request_id: str, extensions: dict[str, Any] | None = None) -> web.Response:
    """The answer to a failure nothing else caught: no stack trace, an id to find the log by."""
    body: dict[str, Any] = {"errors": [internal_server_error(request_id, "request")]}
    if extensions:
        body["extensions"] = extensions
    return json_response(body, status=500)


class RequestObserver:
    """The request middleware, and the count of requests in flight (read at shutdown)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.unpriced: Callable[[], dict[str, Any]] | None = None
        """The GraphQL endpoint's `extensions` for an answer with no cost computed (its cost
        report): a failed GraphQL request's 500 carries it like every other answer."""
        self.in_flight = 0
        metrics.in_flight.set_function(lambda: self.in_flight)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        record = RequestRecord(request_id=request_id_of(request))
        request[REQUEST_RECORD] = record
        started = time.perf_counter()
        status = 500
        self.in_flight += 1
        reads = ReadTally()
        try:
            with tallied_reads() as reads:
                response = await handler(request)
            status = response.status
        except web.HTTPException as answer:  # aiohttp's own answers: 404, 405, 413
            status = answer.status
            answer.headers[REQUEST_ID_HEADER] = record.request_id
            raise
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        except Exception:
            request_log.exception("request %s failed", record.request_id)
            extensions = None
            if endpoint_of(request) == GRAPHQL_ENDPOINT:
                record.outcome = Outcome.INTERNAL_ERROR
                extensions = self.unpriced() if self.unpriced is not None else None
            response = internal_error(record.request_id, extensions)
        finally:
            self.in_flight -= 1
            self._observe(request, record, status, time.perf_counter() - started, reads)
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = record.request_id
        return response

    def _observe(
        self,
        request: web.Request,
        record: RequestRecord,
        status: int,
        seconds: float,
        reads: ReadTally,
    ) -> None:
        self.metrics.record_request(endpoint_of(request), status)
        if record.outcome is not None:
            self.metrics.record_graphql(record, seconds, reads.bytes)
        elif status in REFUSED_BY_AIOHTTP:
            record.refusal = REFUSED_BY_AIOHTTP[status]
            self.metrics.record_rejection(record.refusal)
        level = logging.DEBUG if request.path in PROBES else logging.INFO
        if request_log.isEnabledFor(level):
            fields = log_fields(request, record, status, seconds, reads)
            handler = sole_json_handler(request_log, level)
            if handler is not None:
                handler.write_line(level, request_log.name, "request", fields)
            else:
                request_log.log(level, "request", extra={"fields": fields})


OBSERVER = web.AppKey("observer", RequestObserver)
"""The app's request observer; shutdown reads how many requests are in flight."""


def log_fields(
    request: web.Request,
    record: RequestRecord,
    status: int,
    seconds: float,
    reads: ReadTally | None = None,
) -> dict[str, Any]:
    """The request's log line. The path without its query: GET variables may hold personal data."""
    fields: dict[str, Any] = {
        "request_id": record.request_id,
        "method": request.method,
        "path": request.path,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
    }
    if record.outcome is not None:
        fields.update(
            operation=record.operation,
            outcome=record.outcome.value,
            key_name=record.key_name,
            account=record.account,
            cost=record.cost,
            error_codes=record.error_codes,
        )
    if reads is not None and record.outcome is not None:
        # What the database returned for the request (docs/performance.md, "Bytes fetched").
        fields.update(db_documents=reads.documents, db_bytes=reads.bytes)
    if record.refusal is not None:
        fields["refusal"] = record.refusal
    return fields


def json_line(
    created: float, level: int, logger: str, message: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """One log line: time, level, logger, process, message, then the line's own fields."""
    return {
        "time": _LINE_TIME(created),
        "level": _level_name(level),
        "logger": logger,
        "pid": os.getpid(),  # which worker, with `serve --workers N`
        "message": message,
        **fields,
    }


class LineTime:
    """A time as the log writes it, UTC to the millisecond: `isoformat(timespec="milliseconds")`
    of the instant. Every line of a busy second shares its date and time of day, so those are
    formatted once a second and the milliseconds appended."""

    def __init__(self) -> None:
        self._formatted: tuple[int | None, str] = (None, "")
        """The last second and its text, replaced together: any thread may log."""

    def __call__(self, created: float) -> str:
        # To the microsecond as datetime.fromtimestamp rounds, then cut to the millisecond.
        fraction, whole = math.modf(created)
        second, microsecond = divmod(int(whole) * 1_000_000 + round(fraction * 1e6), 1_000_000)
        known, prefix = self._formatted
        if second != known:
            prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._formatted = (second, prefix)
        return f"{prefix}.{microsecond // 1000:03d}+00:00"


_LINE_TIME = LineTime()


@functools.cache
def _level_name(level: int) -> str:
    return logging.getLevelName(level).lower()


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line = json_line(record.created, record.levelno, record.name, record.getMessage(), fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class JsonLineHandler(logging.StreamHandler):
    """The process's log handler: JSON lines on a stream.

    A request's line is written straight from its fields (`write_line`): a LogRecord and its
    trip through the logging module cost more than the rest of a small request's logging,
    and the line is the same (docs/performance.md, "SMALL and ONE: the fixed cost").
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.setFormatter(JsonLogFormatter())

    def write_line(self, level: int, logger: str, message: str, fields: dict[str, Any]) -> None:
        line = orjson.dumps(json_line(time.time(), level, logger, message, fields), default=str)
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(line.decode() + self.terminator)
                self.flush()
            except Exception:  # like emit(): logging never fails the request
                self.handleError(logging.makeLogRecord({"msg": message, "fields": fields}))


def sole_json_handler(logger: logging.Logger, level: int) -> JsonLineHandler | None:
    """The handler a record of `logger` at `level` would reach when it is the only one and a
    `JsonLineHandler`, with no filter on the way; else None (then the record goes through
    the logging module, so any other configuration, and pytest's capture, see it)."""
    found: JsonLineHandler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        for handler in current.handlers:
            if found is not None or not isinstance(handler, JsonLineHandler) or handler.filters:
                return None
            found = handler
        current = current.parent if current.propagate else None
    if found is None or level < found.level:
        return None
    return found


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record of the process to stderr as a JSON line."""
    root = logging.getLogger()
    root.handlers[:] = [JsonLineHandler(sys.stderr)]
    root.setLevel(level)
