"""Turns for the embedded store, whose commands run on the event loop itself.

A MongoDB command waits on a socket, so other requests run meanwhile; an embedded one runs
to its end without yielding. `Turns` lets one embedded command start per turn of the loop:
between two of them the loop answers whatever else is ready (/healthz, small queries),
so many commands of one request (say, thirty aliased summaries) cannot hold it together.
A read by a few unique keys finding one document takes no turn (MAX_KEYS_WITHOUT_TURN,
store/client.py)."""

import asyncio
from collections import deque

MAX_DEFERRALS = 16
"""Turns of the loop a hand-over waits at most for the other ready work to finish."""


class Turns:
    """A lock handed over once the loop has run what else is ready, never sooner
    than its next turn."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (asyncio.run again): the old one's turns are over
            self._loop, self._busy, self._waiting = loop, False, deque()
        if not self._busy:
            self._busy = True
            return
        waiter = loop.create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # resolved by _hand_over: the turn is ours
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over()  # handed to us as we were cancelled: pass it on
            elif waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    def release(self) -> None:
        # Still busy until the next turn of the loop: I/O is polled before the next command.
        loop = asyncio.get_running_loop()
        loop.call_soon(self._when_idle, loop, MAX_DEFERRALS)

    def _when_idle(self, loop: asyncio.AbstractEventLoop, deferrals: int) -> None:
        """Hand over once nothing else is ready: a request needs several turns to answer."""
        # asyncio's loop keeps its ready callbacks in `_ready`; other loops hand over at once.
        ready = getattr(loop, "_ready", ())
        if ready and deferrals > 0:
            loop.call_soon(self._when_idle, loop, deferrals - 1)
        else:
            self._hand_over()

    def _hand_over(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._busy = False
