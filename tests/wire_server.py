"""The `mongodb` tests' database: a real MongoDB when MONGODB_URI is set, else mongoeco's.

mongoeco's wire server (PyPI `mongoeco[wire]`, pinned in the Makefile) speaks MongoDB's
protocol to PyMongo over a real socket. It needs Python >= 3.13, so it runs as a child
process from `.wire-venv`, which `make test` (`make wire-server`) creates with the first
Python >= 3.13 it finds. Without one, the `mongodb` tests are skipped and say why.

- The `mongodb_uri` fixture (session): MONGODB_URI when set, else one wire server for the
  whole session, started on first use on a free loopback port and stopped at the end. Each
  test uses a database of its own.
- `start_wire_server` / `running_wire_server`: a server of a test's own, e.g. one to stop
  and restart; with `sqlite_file` its data survives the restart.
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.processes import LOOPBACK, ChildProcess, free_port, spawn, wait_until_listening

ROOT = Path(__file__).resolve().parent.parent
WIRE_PYTHON = ROOT / ".wire-venv" / "bin" / "python"
SCRIPT = Path(__file__).with_name("wire_server_process.py")
START_SECONDS = 60.0
NO_WIRE_SERVER = (
    "no MongoDB-speaking server: mongoeco's wire server needs a Python >= 3.13 in .wire-venv "
    "(`make wire-server` creates it; it found none, or has not run), or set MONGODB_URI"
)


def wire_uri(port: int) -> str:
    # directConnection: one server, no replica-set discovery to wait for.
    return f"mongodb://{LOOPBACK}:{port}/?directConnection=true"


def wire_server_installed() -> bool:
    return WIRE_PYTHON.exists()


def _arguments(port: int, sqlite_file: Path | None) -> list[str]:
    if not wire_server_installed():
        pytest.skip(NO_WIRE_SERVER)
    extra = [str(sqlite_file)] if sqlite_file is not None else []
    return [str(WIRE_PYTHON), str(SCRIPT), str(port), *extra]


@dataclass
class WireServer:
    """A wire server run without an event loop (the session's)."""

    process: subprocess.Popen[bytes]
    port: int
    output: Path

    @property
    def uri(self) -> str:
        return wire_uri(self.port)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def session_wire_server(output: Path) -> Iterator[WireServer]:
    port = free_port()
    with output.open("ab") as sink:
        process = subprocess.Popen(
            _arguments(port, None),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = WireServer(process, port, output)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the wire server exited with {process.returncode}: {output}")
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 1):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the wire server did not listen on {port}: see {output}")
            time.sleep(0.05)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB-speaking server's URI: MONGODB_URI, else the session's own wire server."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    output = tmp_path_factory.mktemp("wire-server") / "output.log"
    with session_wire_server(output) as server:
        yield server.uri


def uses_wire_server() -> bool:
    """True when the `mongodb` tests run on mongoeco's stand-in, not a real MongoDB."""
    return not os.environ.get("MONGODB_URI")


async def start_wire_server(
    directory: Path, port: int | None = None, sqlite_file: Path | None = None
) -> ChildProcess:
    """A wire server of the caller's own; with `sqlite_file`, its data survives a restart.

    Starting it again with the same port and file finds the same data.
    """
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    port = port or free_port()
    output = directory / "wire-server.log"
    server = ChildProcess(await spawn(_arguments(port, sqlite_file), output, {}), port, output)
    try:
        await wait_until_listening(port, server, START_SECONDS)
    except BaseException:
        await server.stop()
        raise
    return server


@contextlib.asynccontextmanager
async def running_wire_server(
    directory: Path, sqlite_file: Path | None = None
) -> AsyncIterator[ChildProcess]:
    server = await start_wire_server(directory, sqlite_file=sqlite_file)
    try:
        yield server
    finally:
        await server.stop()
