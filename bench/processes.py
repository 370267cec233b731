"""Real processes on loopback for tests and benchmarks, starting with `invoicegraph serve`.

Each runs as a child of the caller, on a free 127.0.0.1 port, with its output in a file,
and is stopped (then killed, if it lingers) when its context exits.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

LOOPBACK = "127.0.0.1"
STOP_GRACE_SECONDS = 30.0


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; a race with others is unlikely)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ChildProcess:
    """A running child process, its port, and the file its output goes to."""

    process: asyncio.subprocess.Process
    port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def send(self, which: signal.Signals) -> None:
        if self.running:
            self.process.send_signal(which)

    async def stop(self, which: signal.Signals = signal.SIGTERM) -> int:
        """Send `which`, wait for the exit (kill after a grace period); the exit code."""
        self.send(which)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the output (invoicegraph logs one object per line)."""
        lines = []
        for line in self.output.read_text().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


async def spawn(arguments: Sequence[str], output: Path, env: Mapping[str, str]) -> Any:
    with output.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, **env},
        )


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    """Poll `check` until it holds; TimeoutError after `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


async def wait_until_listening(port: int, process: ChildProcess, seconds: float) -> None:
    """Poll the port until it accepts a connection; fail if the process died or time ran out."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if not process.running:
            raise RuntimeError(f"exited with {process.process.returncode}: {process.output}")
        try:
            _, writer = await asyncio.open_connection(LOOPBACK, port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"nothing listens on {port}: see {process.output}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def wait_until_ready(server: ChildProcess, seconds: float = 120.0) -> None:
    """Poll /readyz until it answers 200 (start-up loads data and creates indexes first)."""
    deadline = asyncio.get_running_loop().time() + seconds
    async with aiohttp.ClientSession() as session:
        while True:
            if not server.running:
                raise RuntimeError(f"exited with {server.process.returncode}: {server.output}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{server.url}/readyz") as response:
                    if response.status == 200:
                        return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"not ready after {seconds}s: see {server.output}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def running_invoicegraph(
    output: Path,
    *arguments: str,
    env: Mapping[str, str] | None = None,
    ready_within: float = 120.0,
) -> AsyncIterator[ChildProcess]:
    """`invoicegraph serve ARGUMENTS` on a free port, ready (/readyz 200) when entered."""
    port = free_port()
    command = [sys.executable, "-m", "invoicegraph.cli", "serve", "--port", str(port)]
    # The embedded store unless the arguments name a MongoDB: the environment's does not count.
    embedded = {"MONGODB_URI": "", "INVOICEGRAPH_MONGODB_URI": ""}
    process = await spawn([*command, *arguments], output, {**embedded, **(env or {})})
    server = ChildProcess(process, port, output)
    try:
        await wait_until_ready(server, ready_within)
        yield server
    finally:
        await server.stop()
