"""Requests aiohttp cannot parse get the API's JSON error shape and a request id, echo
nothing of what was sent, and are logged at warning level without a traceback."""

import asyncio
import logging
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web

from invoicegraph.app import create_app
from invoicegraph.parser_errors import ApiAppRunner
from invoicegraph.settings import Settings

SECRET = "igk_" + "S3cr3t" * 2000


@pytest.fixture
async def port() -> AsyncIterator[int]:
    runner = ApiAppRunner(create_app(Settings(mongodb_uri=None, demo_data=False)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.base_events.Server)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        await runner.cleanup()


async def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            f"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SECRET}\r\n\r\n".encode(),
            id="header-too-long",
        ),
        pytest.param(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00" + b"S3cr3t\r\n\r\n", id="nul"
        ),
        pytest.param(b"S3cr3t S3cr3t S3cr3t\r\n\r\n", id="garbage-line"),
    ],
)
async def test_parser_errors_answer_in_the_api_shape(
    port: int, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        status, headers, body = await exchange(port, raw)
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    request_id = headers["x-request-id"]
    [error] = orjson.loads(body)["errors"]
    assert error["extensions"] == {"code": "BAD_HTTP_REQUEST", "requestId": request_id}
    assert b"S3cr3t" not in body
    records = [r for r in caplog.records if request_id in r.getMessage()]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert all(r.exc_info is None for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    assert "S3cr3t" not in caplog.text


async def test_well_formed_requests_are_unchanged(port: int) -> None:
    status, headers, body = await exchange(
        port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    assert orjson.loads(body) == {"status": "alive"}
