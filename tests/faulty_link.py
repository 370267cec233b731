"""A TCP proxy on loopback between the app and its database, whose link a test can degrade."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bench.processes import LOOPBACK


class FaultyLink:
    """Forwards bytes both ways; towards the database they can be delayed or held back."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.delay = 0.0
        """Seconds each chunk towards the database waits before it is forwarded."""
        self.held = asyncio.Event()
        """Set when a chunk towards the database is waiting (delayed or stalled)."""
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    def stall(self) -> None:
        """Hold every chunk towards the database until `resume`: a database that hangs."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connect, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _connect(self, client: asyncio.StreamReader, reply: asyncio.StreamWriter) -> None:
        try:
            upstream, forward = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        except OSError:
            reply.close()
            return
        for pump in (self._towards_database(client, forward), self._back(upstream, reply)):
            task = asyncio.create_task(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _towards_database(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter
    ) -> None:
        try:
            while chunk := await source.read(65536):
                if self.delay or not self._flowing.is_set():
                    self.held.set()
                await asyncio.sleep(self.delay)
                await self._flowing.wait()
                sink.write(chunk)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()

    async def _back(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.close()


@contextlib.asynccontextmanager
async def faulty_link(upstream_port: int) -> AsyncIterator[FaultyLink]:
    link = FaultyLink(upstream_port)
    await link.start()
    try:
        yield link
    finally:
        await link.close()
