"""`invoicegraph serve --workers N` against a MongoDB-speaking server: N processes on one
port, every one answering, all stopped by one SIGTERM."""

import json
import os
import uuid
from pathlib import Path

import aiohttp
import pytest

from bench.processes import running_invoicegraph

KEY = "acme-reader-key"
API_KEYS = json.dumps([{"key": KEY, "account": "acme", "scopes": ["read"], "name": "acme-reader"}])
WORKERS = 3
CONNECTIONS = 30
"""New connections made; the kernel spreads them by address hash, so each of 3 workers
gets some with certainty but for odds of about 3 * (2/3)**30, 1 in 190,000."""


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()}


@pytest.mark.mongodb
async def test_workers_share_one_port_and_stop_together_on_sigterm(
    mongodb_uri: str, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    env = {"INVOICEGRAPH_API_KEYS": API_KEYS, "INVOICEGRAPH_DATABASE": f"w{uuid.uuid4().hex[:8]}"}
    arguments = ("--mongodb-uri", mongodb_uri, "--workers", str(WORKERS))
    async with running_invoicegraph(output, *arguments, env=env) as server:
        workers = children(server.process.pid)
        assert len(workers) == WORKERS
        # A new connection per request: each one is handed to some worker.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(CONNECTIONS):
                async with session.post(
                    f"{server.url}/graphql",
                    json={"query": "{ invoices(first: 1) { totalCount } }"},
                    headers={"Authorization": f"Bearer {KEY}"},
                ) as response:
                    assert response.status == 200
                    body = await response.json()
                    assert body["data"] == {"invoices": {"totalCount": 0}}

        assert await server.stop() == 0

    lines = server.log_lines()
    answered_by = {line["pid"] for line in lines if line.get("path") == "/graphql"}
    assert answered_by == workers
    drained = {line["pid"] for line in lines if "requests drained" in line["message"]}
    assert drained == workers
    assert any(line["message"] == "all workers stopped" for line in lines)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)  # noqa: ASYNC240
