"""`invoicegraph ingest --akinon-url` as an operator runs it: destinations, interrupts, hints,
progress, --since; a fake Akinon OMS on loopback and mongoeco's wire server as the database."""

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import sys
import termios
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from seeds.akinon_pages import Checkpoint
from seeds.akinon_pull import invoices_url
from store.client import open_database
from store.invoices import InvoiceStore, Scope
from tests.seeds.test_akinon_pull import TOKEN, FakeAkinon, akinon
from tests.wire_database import mongodb_uri, running_database

EXECUTABLE = Path(sys.executable).parent / "invoicegraph"
DEADLINE = 60.0


@dataclass(frozen=True)
class Result:
    status: int | None
    stdout: str
    stderr: str
    seconds: float


def pull_env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INVOICEGRAPH_", "MONGO"))}
    return {**clean, "AKINON_TOKEN": TOKEN, **extra}


async def start_pull(
    url: str, *args: str | Path, cwd: Path, **env: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(EXECUTABLE),
        "ingest",
        "--akinon-url",
        url,
        "--account",
        "acme",
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=pull_env(**env),
        cwd=cwd,
    )


async def finish(process: asyncio.subprocess.Process, started: float) -> Result:
    stdout, stderr = await asyncio.wait_for(process.communicate(), DEADLINE)
    return Result(process.returncode, stdout.decode(), stderr.decode(), time.monotonic() - started)


async def pull(url: str, *args: str | Path, cwd: Path, **env: str) -> Result:
    started = time.monotonic()
    return await finish(await start_pull(url, *args, cwd=cwd, **env), started)


# The stand-in answers a bulk write of one page in seconds on a loaded machine.
STAND_IN_TIMEOUT = {"INVOICEGRAPH_DATABASE_TIMEOUT_MS": "30000"}


@contextlib.asynccontextmanager
async def serving(server: FakeAkinon) -> AsyncIterator[str]:
    url = await server.start()
    try:
        yield url
    finally:
        for event in server.held.values():
            event.set()
        await server.stop()


def checkpoints(directory: Path) -> list[Path]:
    return list(directory.glob(".invoicegraph-pull-*"))


async def stored(uri: str) -> int:
    store = open_database(uri, "invoicegraph")
    try:
        return await InvoiceStore(store).scoped(Scope("acme")).count()
    finally:
        await store.close()


async def test_a_resumed_pull_never_skips_what_another_destination_stored(tmp_path: Path) -> None:
    """The loss of issue 18: a dry run stopped after 5 pages, then the same pull into a
    database, stored 280 of 530. Each destination now has its own checkpoint, or none.

    Two wire servers, each over its own SQLite file, are the two databases. The same shape at
    a fifth of the size (106 records, pages of 10): the stand-in stores about 10 records/s.
    """
    records = [akinon(i) for i in range(1, 107)]
    server = FakeAkinon(records, page_size=10)
    stop_fast = ("--concurrency", "1", "--retries", "0")

    async def stopped_after_5_pages(*args: str) -> Result:
        server.served, server.die_after = 0, 5
        result = await pull(url, *stop_fast, *args, cwd=tmp_path, **STAND_IN_TIMEOUT)
        server.die_after = None
        await server.start()  # the same port again
        return result

    async with (
        running_database(tmp_path / "db1") as db1,
        running_database(tmp_path / "db2") as db2,
        serving(server) as url,
    ):
        first_db, other_db = mongodb_uri(db1.port), mongodb_uri(db2.port)

        into_other = await stopped_after_5_pages("--mongodb-uri", other_db)
        assert into_other.status == 1, into_other.stderr
        assert "Run the same command again to resume from" in into_other.stderr
        assert len(checkpoints(tmp_path)) == 1

        dry = await stopped_after_5_pages()
        assert dry.status == 1, dry.stderr
        assert dry.stdout.startswith("read 50 / stored 50"), dry.stdout
        assert "A dry run keeps no checkpoint" in dry.stderr
        assert len(checkpoints(tmp_path)) == 1

        # Neither the dry run's pages nor the other database's count here.
        into_first = await pull(url, "--mongodb-uri", first_db, cwd=tmp_path, **STAND_IN_TIMEOUT)
        assert into_first.status == 0, into_first.stderr
        assert "resuming" not in into_first.stderr
        assert into_first.stdout.strip().startswith("read 106 / stored 106 /")
        assert await stored(first_db) == 106

        # The other database resumes from its own checkpoint.
        resumed = await pull(url, "--mongodb-uri", other_db, cwd=tmp_path, **STAND_IN_TIMEOUT)
        assert resumed.status == 0, resumed.stderr
        assert "50 records stored before" in resumed.stderr
        assert resumed.stdout.strip().startswith("read 56 / stored 56 /")
        assert await stored(other_db) == 106
        assert checkpoints(tmp_path) == []


async def test_another_destinations_checkpoint_is_refused_with_one_line(tmp_path: Path) -> None:
    async with serving(FakeAkinon([akinon(1)], page_size=5)) as url:
        checkpoint = tmp_path / "pull.json"
        full = invoices_url(url)
        Checkpoint(checkpoint, full, "acme", "mongodb://db.example:27017/x", mode="next").save()

        result = await pull(url, "--checkpoint", checkpoint, cwd=tmp_path)

    assert result.status == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("invoicegraph: error: checkpoint")
    assert "would skip the records stored there" in line
    assert "resume" not in line


@pytest.mark.parametrize("url", ["oms.example.com", "http://", "ftp://oms.example.com"])
async def test_a_malformed_akinon_url_is_a_usage_error_at_once(url: str, tmp_path: Path) -> None:
    result = await pull(url, cwd=tmp_path)

    assert result.status == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("invoicegraph: error: --akinon-url")
    assert "http(s) address" in line


async def test_the_resume_hint_appears_only_when_resuming_can_help(tmp_path: Path) -> None:
    hint = "Run the same command again"
    async with serving(FakeAkinon([akinon(1)], page_size=5)) as url:
        refused = await pull(url, "--akinon-token", "wrong", cwd=tmp_path)
    assert refused.status == 1
    assert "Akinon refused the token: HTTP 401" in refused.stderr
    assert hint not in refused.stderr

    server = FakeAkinon([akinon(i) for i in range(1, 9)], page_size=5, style="cursor")
    original = server.page_link
    server.page_link = lambda request, number, *count: (  # type: ignore[method-assign]
        (original(request, number, *count) or "").replace("127.0.0.1", "localhost")
        if number >= 2
        else None
    )
    async with serving(server) as url:
        off_origin = await pull(url, "--checkpoint", tmp_path / "c.json", cwd=tmp_path)
    assert off_origin.status == 1
    assert "outside" in off_origin.stderr
    assert hint not in off_origin.stderr

    server = FakeAkinon([akinon(i) for i in range(1, 12)], page_size=5, die_after=1)
    async with serving(server) as url:
        gave_up = await pull(
            url,
            "--checkpoint",
            tmp_path / "gave-up.json",
            "--retries",
            "1",
            "--concurrency",
            "1",
            cwd=tmp_path,
        )
    assert gave_up.status == 1
    assert "gave up after 2 attempts" in gave_up.stderr
    assert f"{hint} to resume from {tmp_path / 'gave-up.json'} (5 records stored before)" in (
        gave_up.stderr
    )


@pytest.mark.parametrize("which", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_an_interrupted_pull_prints_the_summary_and_how_to_resume(
    which: signal.Signals, tmp_path: Path
) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 21)], page_size=5)
    server.held[3] = asyncio.Event()
    checkpoint = tmp_path / "pull.json"
    async with serving(server) as url:
        started = time.monotonic()
        process = await start_pull(
            url, "--checkpoint", checkpoint, "--concurrency", "1", cwd=tmp_path
        )
        while not (checkpoint.exists() and json.loads(checkpoint.read_text())["done"] == [1, 2]):
            assert time.monotonic() - started < DEADLINE, "pages 1 and 2 were never stored"
            await asyncio.sleep(0.05)
        process.send_signal(which)
        result = await finish(process, started)

        assert result.status == 128 + which.value
        assert "Traceback" not in result.stderr
        assert result.stdout.strip() == (
            "read 10 / stored 10 / updated 0 / unchanged 0 / stale 0 / rejected 0"
        )
        assert f"interrupted ({which.name})" in result.stderr
        assert f"resume from {checkpoint} (10 records stored before)" in result.stderr

        server.held[3].set()
        resumed = await pull(url, "--checkpoint", checkpoint, cwd=tmp_path)
    assert resumed.status == 0, resumed.stderr
    assert resumed.stdout.strip().startswith("read 10 / stored 10 /")


async def test_progress_without_a_terminal(tmp_path: Path) -> None:
    """Lines while a page stalls, a total that grows, warnings on their own lines, one final
    line without an ETA."""
    server = FakeAkinon(
        [akinon(i) for i in range(1, 16)],
        page_size=5,
        delays={2: 3.5},
        failures={3: [500]},
        added=[akinon(i) for i in range(16, 19)],
        add_after=1,
    )
    async with serving(server) as url:
        result = await pull(url, "--concurrency", "1", "--progress-every", "1", cwd=tmp_path)

    assert result.status == 0, result.stderr
    assert result.stdout.strip().startswith("read 18 / stored 18 /")
    lines = result.stderr.splitlines()
    progress = [line for line in lines if line.startswith("ingest: ")]
    stalled = [line for line in progress if line.startswith("ingest: 5 records of 15 (33%)")]
    assert len(stalled) >= 2, lines  # page 2 stalls 3.5 s: a line a second meanwhile
    final = [line for line in progress if " in " in line]
    assert len(final) == 1, progress
    assert final[0].startswith("ingest: 18 records of 18 (100%)")
    assert progress[-1] == final[0]
    assert all("ETA" not in line for line in final)
    assert not any("of 15 (1" in line and "%" in line for line in progress[-3:])  # no 120%
    [warning] = [line for line in lines if "HTTP 500" in line]
    assert warning.startswith("GET ")
    assert "HTTP 500; retrying in" in warning


async def test_progress_on_a_terminal_after_a_stop(tmp_path: Path) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 12)], page_size=5, die_after=1)
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    async with serving(server) as url:
        process = await asyncio.create_subprocess_exec(
            *(str(EXECUTABLE), "ingest", "--akinon-url", url, "--account", "acme"),
            *("--retries", "1", "--concurrency", "1"),
            stdout=asyncio.subprocess.PIPE,
            stderr=terminal,
            env=pull_env(),
            cwd=tmp_path,
        )
        os.close(terminal)
        reading = asyncio.ensure_future(asyncio.to_thread(_read_all, main))
        await asyncio.wait_for(process.wait(), DEADLINE)
        drawn = await asyncio.wait_for(reading, DEADLINE)
    os.close(main)

    text = drawn.decode(errors="replace")
    assert process.returncode == 1
    assert "stopped" in text
    bars = [
        part for part in text.replace("\n", "\r").split("\r") if "records" in part and "|" in part
    ]
    assert bars, text
    assert "stopped" in bars[-1], bars[-1]
    assert "<" not in bars[-1], bars[-1]  # no time left to wait for
    # The retry warning is a line of its own, not glued to the bar.
    [warning] = [line for line in text.replace("\r", "\n").split("\n") if "retrying in" in line]
    assert warning.lstrip().startswith("GET "), warning


def _read_all(descriptor: int) -> bytes:
    drawn = b""
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # the terminal's other end is closed
            return drawn
        if not chunk:
            return drawn
        drawn += chunk


async def test_since_pulls_only_invoices_modified_from_then(tmp_path: Path) -> None:
    records = [akinon(i) for i in range(1, 13)]
    for index, record in enumerate(records):
        record["modified_date"] = f"2024-0{1 + index % 3}-15T10:00:00.000000Z"
    server = FakeAkinon(records, page_size=3)
    async with serving(server) as url:
        result = await pull(url, "--since", "2024-02-01", cwd=tmp_path)

    assert result.status == 0, result.stderr
    assert result.stdout.strip().startswith("read 8 / stored 8 /")
    assert server.queries
    assert all(query.get("modified_date__gte") == "2024-02-01" for query in server.queries)
    malformed = await pull("http://127.0.0.1:1", "--since", "last week", cwd=tmp_path)
    assert malformed.status == 2
    assert "--since 'last week' is not an ISO 8601 date" in malformed.stderr
