"""The `mongodb` tests' database: a real MongoDB when MONGODB_URI is set, else mongoeco's.

mongoeco's wire server (PyPI `mongoeco[wire]`, pinned in the Makefile; bench/wire_server.py)
speaks MongoDB's protocol to PyMongo over a real socket. It needs Python >= 3.13, so it runs
as a child process from `.wire-venv`, which `make test` (`make wire-server`) creates with the
first Python >= 3.13 it finds. Without one, the `mongodb` tests are skipped and say why.

- The `mongodb_uri` fixture (session): MONGODB_URI when set, else one wire server for the
  whole session, started on first use on a free loopback port and stopped at the end. Each
  test uses a database of its own.
- `start_wire_server` / `running_wire_server`: a server of a test's own, e.g. one to stop
  and restart; with `sqlite_file` its data survives the restart. Skips without `.wire-venv`.
"""

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bench import wire_server
from bench.processes import LOOPBACK, ChildProcess, free_port
from bench.wire_server import START_SECONDS, wire_uri

__all__ = [
    "mongodb_uri",
    "running_wire_server",
    "start_wire_server",
    "uses_wire_server",
    "wire_uri",
]

NO_WIRE_SERVER = f"no MongoDB-speaking server: {wire_server.NOT_INSTALLED}; or set MONGODB_URI"


def _arguments(port: int, sqlite_file: Path | None = None) -> list[str]:
    if not wire_server.wire_server_installed():
        pytest.skip(NO_WIRE_SERVER)
    return wire_server.wire_arguments(port, sqlite_file)


@contextlib.contextmanager
def session_wire_server(output: Path) -> Iterator[str]:
    """A wire server run without an event loop (the session's); its URI."""
    port = free_port()
    with output.open("ab") as sink:
        process = subprocess.Popen(
            _arguments(port), stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        )
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
        yield wire_uri(port)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB-speaking server's URI: MONGODB_URI, else the session's own wire server."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    with session_wire_server(tmp_path_factory.mktemp("wire-server") / "output.log") as uri:
        yield uri


def uses_wire_server() -> bool:
    """True when the `mongodb` tests run on mongoeco's stand-in, not a real MongoDB."""
    return not os.environ.get("MONGODB_URI")


async def start_wire_server(
    directory: Path, port: int | None = None, sqlite_file: Path | None = None
) -> ChildProcess:
    """bench.wire_server's, skipping the test when the server is not installed."""
    if not wire_server.wire_server_installed():
        pytest.skip(NO_WIRE_SERVER)
    return await wire_server.start_wire_server(directory, port, sqlite_file)


@contextlib.asynccontextmanager
async def running_wire_server(
    directory: Path, sqlite_file: Path | None = None
) -> AsyncIterator[ChildProcess]:
    server = await start_wire_server(directory, sqlite_file=sqlite_file)
    try:
        yield server
    finally:
        await server.stop()
