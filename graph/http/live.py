"""GraphQL over WebSocket on /graphql: the `graphql-transport-ws` protocol (the graphql-ws
library's), for Subscription.invoiceEvents (and any query or mutation sent the same way).

The key comes in `connection_init`'s payload as {"Authorization": "Bearer <key>"} (or on
the upgrade request); `x-site-context` may come there too and narrows as over HTTP. Close
codes: 4400 a message that breaks the protocol, 4401 no or an unknown key (or a subscribe
before the connection was acknowledged), 4403 a key that may not subscribe (no `read`
scope, or a site context naming another account), 4406 no `graphql-transport-ws`
subprotocol, 4408 no `connection_init` in time, 4409 a second operation with one id, 4429
a second `connection_init`, 1008 a slow consumer (below). A key revoked while its
subscriptions run ends them with the code it would get at the start (graph/http/key_watch.py).
docs/live-changes.md.

Every message to the client goes through one bounded queue per connection, drained by one
writer task: a client that reads too slowly fills it, and once it stays full for
`slow_consumer_seconds` the connection is closed with 1008 and a reason saying so. Memory
per connection is bounded by the queue (and the socket's buffers), never by the backlog:
a subscription reads the feed only as fast as the queue takes its events.
"""

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import strawberry
from aiohttp import WSMsgType, web
from graphql import GraphQLError, get_operation_ast, parse
from graphql import OperationType as GraphQLOperationType
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.context import LiveOptions
from graph.errors import HTTPProblem
from graph.http.auth import authenticate
from graph.http.key_watch import KeyRevoked, KeyWatch
from graph.http.params import check_params, read_params
from graph.http.responses import format_result, is_request_error, problem_response
from graph.http.services import EndpointServices
from graph.http.site_context import HEADER as SITE_CONTEXT
from graph.http.site_context import request_scope
from store.client import StoreUnavailable
from store.keys import ApiKey

PROTOCOL = "graphql-transport-ws"

log = logging.getLogger("invoicegraph.live")


@dataclass(frozen=True)
class LiveLimits:
    """The subscription limits (Settings: INVOICEGRAPH_SUBSCRIPTION_*)."""

    max_per_key: int = 20
    max_per_process: int = 2000
    keepalive_seconds: float = 15.0
    """A `ping` to the client this often: idle proxies keep the connection, the client
    sees that the server lives."""
    init_timeout_seconds: float = 5.0
    buffer_messages: int = 100
    """Messages waiting for a client at most (per connection)."""
    slow_consumer_seconds: float = 5.0
    """How long the buffer may stay full before the connection is closed (1008)."""
    poll_seconds: float = 1.0
    """Longest wait between two reads of the feed (events of other processes)."""
    write_buffer_bytes: int = 1 << 16
    """Bytes a connection's transport may hold unsent before its writer waits for the client."""
    socket_buffer_bytes: int | None = None
    """The kernel send buffer of a subscription socket, when set (the system's otherwise)."""


@dataclass
class LiveObserver:
    """What /metrics counts: open subscriptions, events delivered and their lag."""

    opened: Callable[[], None] = lambda: None
    closed: Callable[[], None] = lambda: None
    delivered: Callable[[float], None] = lambda lag: None


class Closed(Exception):
    """The connection is to be closed with this code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class LiveServer:
    """The WebSocket side of /graphql; shares the HTTP view's keys, store and limits."""

    def __init__(
        self,
        services: EndpointServices,
        schema: strawberry.Schema,
        limits: LiveLimits,
        observer: LiveObserver,
    ) -> None:
        """`schema`: built without compiled execution (graph/schema.py): the executor runs
        every operation here; compiled plans answer queries over HTTP."""
        self.services = services
        self.schema = schema
        self.limits = limits
        self.observer = observer
        self.open = 0
        self._per_key: Counter[str] = Counter()

    @staticmethod
    def is_upgrade(request: web.Request) -> bool:
        return request.headers.get("Upgrade", "").lower() == "websocket"

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(
            protocols=(PROTOCOL,), max_msg_size=1 << 20, compress=False
        )
        await websocket.prepare(request)
        connection = _Connection(self, request, websocket)
        try:
            if websocket.ws_protocol != PROTOCOL:
                raise Closed(4406, "Subprotocol not acceptable")
            self._bound_buffers(request)
            await connection.run()
            await connection.close(1000, "")
        except Closed as closed:
            await connection.close(closed.code, closed.reason)
        finally:
            await connection.shutdown()
        return websocket

    def _bound_buffers(self, request: web.Request) -> None:
        size = self.limits.socket_buffer_bytes
        transport = request.transport
        if size is None or transport is None:
            return
        raw = transport.get_extra_info("socket")
        if raw is not None:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    async def results(
        self, params: dict[str, Any], text: str, api_key: ApiKey, scope: Any, watch: KeyWatch
    ) -> AsyncGenerator[tuple[str, Any], None]:
        """("next", body) for each result, then ("complete", None); or ("error", errors).

        Raises KeyRevoked when `watch` found the key revoked (the connection then ends)."""
        context = self.services.context(
            api_key,
            scope,
            params.get("operationName") or None,
            live=LiveOptions(self.limits.poll_seconds, self.observer.delivered, watch.check),
        )
        stream = await self.schema.stream(
            text,
            variable_values=params.get("variables"),
            context_value=context,
            operation_name=context.operation_name,
            allowed_operation_types=(
                OperationType.QUERY,
                OperationType.MUTATION,
                OperationType.SUBSCRIPTION,
            ),
        )
        try:
            async for result in stream:
                if not isinstance(result, ExecutionResult):
                    continue  # incremental delivery frames: not served here
                if watch.revoked is not None:
                    raise watch.revoked
                body = format_result(result, is_request_error(result))
                if "data" not in body:
                    yield "error", body["errors"]
                    return
                yield "next", body
        finally:
            await stream.aclose()
        yield "complete", None

    async def handle_sse(self, request: web.Request) -> web.StreamResponse:
        """The graphql-sse protocol's distinct connections mode: one POST, one operation,
        its results as `next` events, then `complete`. The key and x-site-context are the
        request's headers, as for any POST."""
        services = self.services
        try:
            api_key = await authenticate(request, services.keys())
            if not api_key.grants("read"):
                raise HTTPProblem(403, "FORBIDDEN", "This API key lacks the 'read' scope.")
            scope = request_scope(request.headers.get(SITE_CONTEXT), api_key)
            params = await read_params(request, services.body_limits.for_key(api_key))
            requested = await services.persisted().requested_document(params, api_key)
            too_long = services.limits.for_key(api_key).check_text(requested.text)
            if too_long is not None:
                raise HTTPProblem(400, "QUERY_TOO_COMPLEX", too_long.message)
        except HTTPProblem as problem:
            return problem_response(problem)
        except StoreUnavailable as failure:
            return problem_response(HTTPProblem(503, "SERVICE_UNAVAILABLE", failure.reason))
        subscribing = _is_subscription(requested.text, params.get("operationName"))
        if subscribing:
            refused = self.admit(api_key)
            if refused is not None:
                return problem_response(HTTPProblem(429, "TOO_MANY_SUBSCRIPTIONS", refused))
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        token = request.headers["Authorization"].partition(" ")[2].strip()  # authenticated
        watch = KeyWatch(services.keys(), token)
        try:
            await response.prepare(request)
            events = self.results(params, requested.text, api_key, scope, watch)
            try:
                async with contextlib.aclosing(events):
                    async for kind, payload in events:
                        await _write_event(response, kind, payload)
            except KeyRevoked as revoked:  # the key's end, as the protocol ends a stream
                await _write_event(response, "next", {"errors": [revoked.formatted]})
                await _write_event(response, "complete", None)
        except ConnectionResetError:
            pass  # the client went away
        finally:
            if subscribing:
                self.release(api_key)
        return response

    def admit(self, api_key: ApiKey) -> str | None:
        """Take a subscription slot for the key; why not, when none is left."""
        holder = f"{api_key.account}\n{api_key.name}"
        if self.open >= self.limits.max_per_process:
            return (
                f"This server holds {self.limits.max_per_process} subscriptions, its maximum; "
                "retry later or on another server."
            )
        if self._per_key[holder] >= self.limits.max_per_key:
            return (
                f"This API key holds {self.limits.max_per_key} subscriptions, the maximum per "
                "key; complete one first."
            )
        self.open += 1
        self._per_key[holder] += 1
        self.observer.opened()
        return None

    def release(self, api_key: ApiKey) -> None:
        holder = f"{api_key.account}\n{api_key.name}"
        self.open -= 1
        self._per_key[holder] -= 1
        if not self._per_key[holder]:
            del self._per_key[holder]
        self.observer.closed()


class _Connection:
    """One WebSocket: its key, its operations and its outgoing queue."""

    def __init__(self, server: LiveServer, request: web.Request, ws: web.WebSocketResponse):
        self.server = server
        self.request = request
        self.ws = ws
        self.api_key: ApiKey | None = None
        self.key_watch: KeyWatch | None = None
        self.site_context: str | None = request.headers.get(SITE_CONTEXT)
        self.acknowledged = False
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.outbox: asyncio.Queue[str] = asyncio.Queue(server.limits.buffer_messages)
        self.tasks: list[asyncio.Task[None]] = []
        self.closing: Closed | None = None

    async def run(self) -> None:
        limits = self.server.limits
        self.tasks = [
            asyncio.create_task(self._write()),
            asyncio.create_task(self._keep_alive()),
        ]
        try:
            async with asyncio.timeout(limits.init_timeout_seconds):
                message = await self._next_message()
                if message is None:
                    return
                if message.get("type") != "connection_init":
                    if message.get("type") == "subscribe":
                        raise Closed(4401, "Unauthorized")
                    raise Closed(4400, "Expected connection_init first")
        except TimeoutError:
            raise Closed(4408, "Connection initialisation timeout") from None
        await self._initialise(message.get("payload"))
        while self.closing is None:
            message = await self._next_message()
            if message is None:
                return
            await self._handle(message)
        raise self.closing

    async def _next_message(self) -> dict[str, Any] | None:
        received = await self.ws.receive()
        if received.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            return None
        if received.type == WSMsgType.ERROR:
            return None
        if received.type != WSMsgType.TEXT:
            raise Closed(4400, "WebSocket message type must be text")
        try:
            message = orjson.loads(received.data)
        except orjson.JSONDecodeError:
            raise Closed(4400, "WebSocket message must be valid JSON") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise Closed(4400, "A message is a JSON object with a 'type'")
        return message

    async def _initialise(self, payload: Any) -> None:
        if payload is not None and not isinstance(payload, dict):
            raise Closed(4400, "The connection_init payload must be an object")
        payload = payload or {}
        named = {str(name).lower(): value for name, value in payload.items()}
        authorization = named.get("authorization") or self.request.headers.get("Authorization")
        if named.get(SITE_CONTEXT) is not None:
            value = named[SITE_CONTEXT]
            self.site_context = value if isinstance(value, str) else orjson.dumps(value).decode()
        scheme, _, token = str(authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Closed(4401, "Unauthorized: send {'Authorization': 'Bearer <key>'}")
        try:
            api_key = await self.server.services.keys().authenticate(token.strip())
        except StoreUnavailable:
            raise Closed(1013, "The database is unavailable; retry later") from None
        if api_key is None:
            raise Closed(4401, "Unauthorized: unknown API key")
        if not api_key.grants("read"):
            raise Closed(4403, "Forbidden: this API key lacks the 'read' scope")
        try:
            request_scope(self.site_context, api_key)
        except HTTPProblem as problem:
            raise Closed(4403 if problem.status == 403 else 4400, problem.message[:120]) from None
        self.api_key = api_key
        self.key_watch = KeyWatch(self.server.services.keys(), token.strip())
        self.acknowledged = True
        await self._send({"type": "connection_ack"})

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            raise Closed(4429, "Too many initialisation requests")
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            raise Closed(4400, f"Unknown message type {kind!r}")

    async def _subscribe(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id:
            raise Closed(4400, "A subscribe message needs an 'id'")
        if not isinstance(payload, dict):
            raise Closed(4400, "A subscribe message needs a 'payload' object")
        if operation_id in self.operations:
            raise Closed(4409, f"Subscriber for {operation_id} already exists")
        task = asyncio.create_task(self._operation(operation_id, payload))
        self.operations[operation_id] = task
        task.add_done_callback(lambda _: self._forget(operation_id, task))

    def _forget(self, operation_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(operation_id) is task:
            del self.operations[operation_id]

    async def _operation(self, operation_id: str, params: dict[str, Any]) -> None:
        with contextlib.suppress(Closed):  # the connection closes: nothing more to send
            await self._run_operation(operation_id, params)

    async def _run_operation(self, operation_id: str, params: dict[str, Any]) -> None:
        """Run one operation to its end, sending each result; `complete` when it ends."""
        services = self.server.services
        api_key = self.api_key
        assert api_key is not None
        try:
            params = check_params(params)
            requested = await services.persisted().requested_document(params, api_key)
            scope = request_scope(self.site_context, api_key)
        except (HTTPProblem, StoreUnavailable) as refusal:
            await self._error(operation_id, refusal)
            return
        too_long = services.limits.for_key(api_key).check_text(requested.text)
        if too_long is not None:  # before parsing it to count it as a subscription
            await self._send({"id": operation_id, "type": "error", "payload": [too_long.formatted]})
            return
        subscribing = _is_subscription(requested.text, params.get("operationName"))
        if subscribing:
            refused = self.server.admit(api_key)
            if refused is not None:
                await self._error(operation_id, HTTPProblem(429, "TOO_MANY_SUBSCRIPTIONS", refused))
                return
        try:
            await self._stream(operation_id, params, requested.text, api_key, scope)
        except KeyRevoked as revoked:
            self._close_soon(Closed(revoked.close_code, revoked.message))
        finally:
            if subscribing:
                self.server.release(api_key)

    async def _stream(
        self, operation_id: str, params: dict[str, Any], text: str, api_key: ApiKey, scope: Any
    ) -> None:
        assert self.key_watch is not None
        results = self.server.results(params, text, api_key, scope, self.key_watch)
        async for kind, payload in results:
            if kind == "complete":
                await self._send({"id": operation_id, "type": "complete"})
            else:
                await self._send({"id": operation_id, "type": kind, "payload": payload})

    async def _error(self, operation_id: str, refusal: HTTPProblem | StoreUnavailable) -> None:
        if isinstance(refusal, StoreUnavailable):
            error = {"message": refusal.reason, "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        else:
            error = {"message": refusal.message, "extensions": {"code": refusal.code}}
        await self._send({"id": operation_id, "type": "error", "payload": [error]})

    async def _send(self, message: dict[str, Any]) -> None:
        """Queue a message; a client that leaves the queue full too long is disconnected."""
        text = orjson.dumps(message, default=str).decode()
        try:
            async with asyncio.timeout(self.server.limits.slow_consumer_seconds):
                await self.outbox.put(text)
        except TimeoutError:
            closed = Closed(
                1008,
                f"Slow consumer: {self.outbox.maxsize} messages waited more than "
                f"{self.server.limits.slow_consumer_seconds:g} s to be sent",
            )
            self._close_soon(closed)
            raise closed from None

    def _close_soon(self, closed: Closed) -> None:
        """Close the connection with this code (the first one asked for wins)."""
        if self.closing is None:
            self.closing = closed
            # Closing the socket ends the receiving loop, which ends everything else.
            self.tasks.append(asyncio.create_task(self.close(closed.code, closed.reason)))

    async def _write(self) -> None:
        transport = self.request.transport
        bound = self.server.limits.write_buffer_bytes
        while True:
            text = await self.outbox.get()
            await self.ws.send_str(text)
            # The client reads slower than we write: wait for it rather than buffer on (the
            # queue then fills, and a client that stays behind is disconnected).
            while transport is not None and transport.get_write_buffer_size() > bound:  # noqa: ASYNC110 - a transport signals no level
                await asyncio.sleep(0.02)

    async def _keep_alive(self) -> None:
        with contextlib.suppress(Closed):
            while True:
                await asyncio.sleep(self.server.limits.keepalive_seconds)
                if self.acknowledged:
                    await self._send({"type": "ping", "payload": {"reason": "keep-alive"}})

    async def close(self, code: int, reason: str) -> None:
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await self.ws.close(code=code, message=reason.encode()[:123])

    async def shutdown(self) -> None:
        pending = [*self.operations.values(), *self.tasks]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task


async def _write_event(response: web.StreamResponse, kind: str, payload: Any) -> None:
    data = "" if payload is None else orjson.dumps(payload, default=str).decode()
    # The socket's buffer bounds what waits for a slow reader: write() drains.
    await response.write(f"event: {kind}\ndata: {data}\n\n".encode())


def _is_subscription(text: str, operation_name: Any) -> bool:
    """Whether the operation to run is a subscription (then it takes a slot)."""
    try:
        document = parse(text, no_location=True)
    except GraphQLError:
        return False  # the execution reports it
    name = operation_name if isinstance(operation_name, str) else None
    operation = get_operation_ast(document, name)
    return operation is not None and operation.operation is GraphQLOperationType.SUBSCRIPTION
