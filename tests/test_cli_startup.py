"""Start-up and configuration mistakes as an operator makes them: one line, exit 2, no traceback."""

import asyncio
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.processes import LOOPBACK, free_port, running_invoicegraph

EXECUTABLE = Path(sys.executable).parent / "invoicegraph"
CLOSED_PORT_URI = "mongodb://127.0.0.1:{port}/?directConnection=true"
ERROR_BUDGET_SECONDS = 6.0
"""The contract: an unreachable MongoDB is reported within 6 s by default."""


@dataclass(frozen=True)
class Outcome:
    status: int | None
    stderr: str
    seconds: float


async def invoicegraph(*args: str, env: dict[str, str] | None = None) -> Outcome:
    """Run the command to its end (60 s at most); its status, stderr and duration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INVOICEGRAPH_", "MONGO"))}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**clean, **(env or {})},
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return Outcome(process.returncode, stderr.decode(), time.monotonic() - started)


def assert_one_error_line(outcome: Outcome, *fragments: str) -> None:
    assert outcome.status == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr
    [line] = outcome.stderr.splitlines()
    assert line.startswith("invoicegraph: error: "), line
    for fragment in fragments:
        assert fragment in line, line


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (held bound, not listening, so none takes it)."""
    with socket.socket() as held:
        held.bind((LOOPBACK, 0))
        yield held.getsockname()[1]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        yield taken.getsockname()[1]


KEYS = "INVOICEGRAPH_API_KEYS"


async def test_each_startup_mistake_is_one_line_and_exit_two(
    closed_port: int, taken_port: int
) -> None:
    port = str(free_port())
    serve = ("serve", "--port", port)
    mistakes = {
        "short key": invoicegraph(*serve, env={KEYS: '[{"key": "short", "account": "a"}]'}),
        "malformed JSON": invoicegraph(*serve, env={KEYS: '[{"key": "long-enough"'}),
        "unknown scope": invoicegraph(
            *serve, env={KEYS: '[{"key": "long-enough", "account": "a", "scopes": ["reed"]}]'}
        ),
        "invalid boolean": invoicegraph(*serve, env={"INVOICEGRAPH_DEMO_DATA": "maybe"}),
        "port in use": invoicegraph("serve", "--port", str(taken_port)),
        "missing manifest": invoicegraph(*serve, "--trusted-documents", "/nowhere/manifest.json"),
    }
    outcomes = dict(zip(mistakes, await asyncio.gather(*mistakes.values()), strict=True))
    # Alone, so that its time is its own.
    outcomes["unreachable MongoDB"] = await invoicegraph(
        *serve, "--mongodb-uri", CLOSED_PORT_URI.format(port=closed_port)
    )

    assert_one_error_line(outcomes["short key"], f"{KEYS} entry 1 'key'", "at least 8 characters")
    assert_one_error_line(outcomes["malformed JSON"], f"{KEYS} is not valid JSON", "JSON array")
    assert_one_error_line(outcomes["unknown scope"], "unknown scopes ['reed']", "known:")
    assert_one_error_line(
        outcomes["invalid boolean"], "INVOICEGRAPH_DEMO_DATA='maybe'", "use true or false"
    )
    assert_one_error_line(
        outcomes["port in use"], f"cannot listen on 127.0.0.1:{taken_port}", "--port"
    )
    unreachable = outcomes["unreachable MongoDB"]
    assert_one_error_line(
        unreachable,
        f"cannot reach MongoDB at 127.0.0.1:{closed_port} within 3 s",
        "--connect-timeout",
    )
    # Generous: interpreter start-up is slow on a busy shared machine.
    assert unreachable.seconds < ERROR_BUDGET_SECONDS * 2
    assert_one_error_line(
        outcomes["missing manifest"], "/nowhere/manifest.json: cannot read the manifest"
    )


async def test_every_database_command_reports_an_unreachable_mongodb(
    closed_port: int, tmp_path: Path
) -> None:
    uri = CLOSED_PORT_URI.format(port=closed_port)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}'
    )
    fast = ("--mongodb-uri", uri, "--connect-timeout", "0.5")
    commands = [
        invoicegraph("ingest", str(manifest), "--account", "acme", *fast),
        invoicegraph("keys", "list", *fast),
        invoicegraph("trusted-documents", "add", str(manifest), *fast),
        invoicegraph("serve", "--port", str(free_port()), *fast),
    ]
    for outcome in await asyncio.gather(*commands):
        assert_one_error_line(outcome, "cannot reach MongoDB", "within 0.5 s")
    misconfigured = await invoicegraph("keys", "list", "--mongodb-uri", uri, env={KEYS: "["})
    assert_one_error_line(misconfigured, f"{KEYS} is not valid JSON")
    configured = await invoicegraph(
        "keys", "list", "--mongodb-uri", uri, env={"INVOICEGRAPH_CONNECT_TIMEOUT_SECONDS": "0.5"}
    )
    assert_one_error_line(configured, "within 0.5 s")


async def test_workers_are_refused_on_the_embedded_store() -> None:
    outcome = await invoicegraph("serve", "--port", str(free_port()), "--workers", "2")

    assert_one_error_line(outcome, "--workers 2 needs a real MongoDB", "--mongodb-uri")


async def test_serving_without_a_usable_key_warns_how_to_configure_one(tmp_path: Path) -> None:
    output = tmp_path / "server.log"
    async with running_invoicegraph(output, "--no-demo-data"):
        pass

    lines = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    warnings = [line for line in lines if "no API key can be used" in line["message"]]
    assert len(warnings) == 1, output.read_text()
    assert warnings[0]["level"] == "warning"
    assert KEYS in warnings[0]["message"]


def key_warnings(output: Path) -> list[str]:
    """The messages of the server's warnings that no key can be used."""
    lines = [json.loads(line) for line in output.read_text().splitlines() if line[:1] == "{"]
    return [line["message"] for line in lines if "no API key can be used" in line["message"]]


@pytest.mark.mongodb
async def test_a_database_without_keys_warns_until_one_is_stored(
    mongodb_uri: str, tmp_path: Path
) -> None:
    env = {"INVOICEGRAPH_DATABASE": f"k{uuid.uuid4().hex[:8]}"}
    arguments = ("--mongodb-uri", mongodb_uri)

    async def warnings(output: Path) -> list[str]:
        async with running_invoicegraph(output, *arguments, env=env):
            pass
        return key_warnings(output)

    [warning] = await warnings(tmp_path / "before.log")
    assert "invoicegraph keys create" in warning
    assert KEYS in warning

    created = await invoicegraph(
        *("keys", "create", "--account", "acme", "--name", "erp", "--scope", "read"),
        *arguments,
        env=env,
    )
    assert created.status == 0, created.stderr
    assert await warnings(tmp_path / "after.log") == []
