"""mongoeco's MongoDB wire server in a child process: the stand-in for a MongoDB server.

It needs Python >= 3.13, so it runs from `.wire-venv`, which `make wire-server` (a step of
`make test`) creates with a pinned `mongoeco[wire]`; bench/wire_server_process.py is the
script it runs. The one launcher of the tests (tests/wire_server.py turns WireServerMissing
into a skip) and of the benchmark's production-path section (bench/production_path.py).
docs/drivers.md says where it differs from MongoDB.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bench.processes import LOOPBACK, ChildProcess, free_port, spawn, wait_until_listening

ROOT = Path(__file__).resolve().parent.parent
WIRE_PYTHON = ROOT / ".wire-venv" / "bin" / "python"
SCRIPT = Path(__file__).with_name("wire_server_process.py")
START_SECONDS = 60.0
NOT_INSTALLED = (
    "mongoeco's wire server needs a Python >= 3.13 in .wire-venv (`make wire-server` "
    "creates it; it found none, or has not run)"
)


class WireServerMissing(RuntimeError):
    """No `.wire-venv` to run the server from."""


def wire_uri(port: int) -> str:
    # directConnection: one server, no replica-set discovery to wait for.
    return f"mongodb://{LOOPBACK}:{port}/?directConnection=true"


def wire_server_installed() -> bool:
    return WIRE_PYTHON.exists()


def wire_arguments(port: int, sqlite_file: Path | None = None) -> list[str]:
    """The command line of a server on `port` (its data in `sqlite_file`, else in memory)."""
    if not wire_server_installed():
        raise WireServerMissing(NOT_INSTALLED)
    extra = [str(sqlite_file)] if sqlite_file is not None else []
    return [str(WIRE_PYTHON), str(SCRIPT), str(port), *extra]


async def start_wire_server(
    directory: Path, port: int | None = None, sqlite_file: Path | None = None
) -> ChildProcess:
    """A wire server, its output in `directory`; with `sqlite_file`, data that survives it.

    Starting it again with the same port and file finds the same data.
    """
    port = port or free_port()
    arguments = wire_arguments(port, sqlite_file)
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    output = directory / "wire-server.log"
    server = ChildProcess(await spawn(arguments, output, {}), port, output)
    try:
        await wait_until_listening(port, server, START_SECONDS)
    except BaseException:
        await server.stop()
        raise
    return server


@contextlib.asynccontextmanager
async def running_wire_server(
    directory: Path, port: int | None = None, sqlite_file: Path | None = None
) -> AsyncIterator[ChildProcess]:
    """`start_wire_server`'s server, stopped when the context exits."""
    server = await start_wire_server(directory, port, sqlite_file)
    try:
        yield server
    finally:
        await server.stop()
