"""The `mongodb` tests' database: a real MongoDB when MONGODB_URI is set, else mongoeco's.

mongoeco's wire server (PyPI `mongoeco[wire]`, pinned in the Makefile) speaks MongoDB's
protocol to PyMongo over a real socket. It needs Python >= 3.13, so it runs as a child
process from `.wire-venv`, which `make test` (`make wire-server`) creates with the first
Python >= 3.13 it finds. Without one, the tests that need it are skipped and say why.

- The `mongodb_uri` fixture (session): MONGODB_URI when set, else one wire server for the
  whole session, started on first use on a free loopback port and stopped at the end. Each
  test uses a database of its own.
- A server of a test's own (e.g. one to stop and restart; with `sqlite_file` its data
  survives the restart): bench.wire_server's `start_wire_server` / `running_wire_server`,
  the one launcher, which the benchmark uses too. Where `.wire-venv` is missing it raises
  WireServerMissing; the hooks below turn that into a skip, in a test or in its fixtures.
"""

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from bench.processes import LOOPBACK, free_port
from bench.wire_server import (
    NOT_INSTALLED,
    START_SECONDS,
    WireServerMissing,
    wire_arguments,
    wire_uri,
)

NO_WIRE_SERVER = f"no MongoDB-speaking server: {NOT_INSTALLED}; or set MONGODB_URI"


@pytest.hookimpl(wrapper=True)
def skip_without_wire_server(item: pytest.Item) -> Generator[None, None, None]:
    """A test, or a fixture of it, that starts the wire server where none is installed skips."""
    try:
        return (yield)
    except WireServerMissing:
        pytest.skip(NO_WIRE_SERVER)


pytest_runtest_setup = skip_without_wire_server
pytest_runtest_call = skip_without_wire_server


@contextlib.contextmanager
def session_wire_server(output: Path) -> Iterator[str]:
    """A wire server run without an event loop (the session's); its URI."""
    port = free_port()
    arguments = wire_arguments(port)
    with output.open("ab") as sink:
        process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
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
