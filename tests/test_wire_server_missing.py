"""Without `.wire-venv`, every way a test reaches the wire server skips it and says why."""

from pathlib import Path

import pytest

from tests.wire_server import NO_WIRE_SERVER

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

CONFTEST = """
from pathlib import Path

from bench import wire_server

wire_server.WIRE_PYTHON = Path("/nonexistent/.wire-venv/bin/python")
"""

TESTS = """
import asyncio

import pytest

from bench.wire_server import running_wire_server, start_wire_server


async def own_server(directory):
    async with running_wire_server(directory):
        pass


@pytest.fixture
def started(tmp_path):
    return asyncio.run(start_wire_server(tmp_path))


def test_session_server(mongodb_uri):
    pass


def test_fixture_starts_one(started):
    pass


def test_starts_one(tmp_path):
    asyncio.run(own_server(tmp_path))
"""


def test_wire_server_missing_skips_each_way_with_the_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_uses_wire_server=TESTS)

    result = pytester.runpytest_subprocess(
        "-p", "tests.wire_server", "-p", "no:randomly", "-rs", "--no-fold-skipped"
    )

    result.assert_outcomes(skipped=3)
    assert result.stdout.str().count(NO_WIRE_SERVER) == 3
