"""Two `invoicegraph serve` processes on one database: what one learns, the other honours.

Both run as real processes on the session's MongoDB-speaking server (tests/wire_server.py),
in a database of their own. docs/deployment.md lists what is shared and what is per process.
"""

import asyncio
import contextlib
import hashlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bench.processes import ChildProcess, eventually, running_invoicegraph
from store.client import open_database
from tests.remote_client import Answer, RemoteGraphQL

pytestmark = pytest.mark.mongodb

EXECUTABLE = Path(sys.executable).parent / "invoicegraph"
COUNT = "query Count { invoices(first: 1) { totalCount } }"
TRUSTED = "query Trusted {\n  invoices(first: 2) {\n    totalCount\n  }\n}"
READER = {"key": "acme-reader-key", "account": "acme", "scopes": ["read"], "name": "acme-reader"}
PARTNER = {
    "key": "acme-partner-key",
    "account": "acme",
    "scopes": ["read", "persisted-only"],
    "name": "acme-partner",
}
KEY_CACHE_SECONDS = 1.0


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


@dataclass
class Pair:
    """Two processes on one database, and what they share."""

    first: ChildProcess
    second: ChildProcess
    session: aiohttp.ClientSession
    env: dict[str, str]

    def clients(self, key: str) -> tuple[RemoteGraphQL, RemoteGraphQL]:
        return (
            RemoteGraphQL(self.session, self.first.url, key),
            RemoteGraphQL(self.session, self.second.url, key),
        )

    async def keys(self, *arguments: str) -> str:
        """`invoicegraph keys ARGUMENTS` on the pair's database; its standard output."""
        process = await asyncio.create_subprocess_exec(
            *(str(EXECUTABLE), "keys", *arguments),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **self.env},
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        return out.decode()


@contextlib.asynccontextmanager
async def two_processes(
    uri: str, directory: Path, first_arguments: tuple[str, ...] = (), **env: str
) -> AsyncIterator[Pair]:
    name = f"invoicegraph_test_pair_{uuid.uuid4().hex[:8]}"
    shared = {
        "MONGODB_URI": uri,  # for `invoicegraph keys`; the servers get --mongodb-uri
        "INVOICEGRAPH_DATABASE": name,
        "INVOICEGRAPH_API_KEYS": json.dumps([READER, PARTNER]),
        "INVOICEGRAPH_KEY_CACHE_SECONDS": str(KEY_CACHE_SECONDS),
        # The stand-in is pure Python, sharing a loaded machine: not production's 5 s.
        "INVOICEGRAPH_DATABASE_TIMEOUT_MS": "30000",
        **env,
    }
    arguments = ("--no-demo-data", "--mongodb-uri", uri)
    try:
        async with (
            running_invoicegraph(
                directory / "first.log", *arguments, *first_arguments, env=shared
            ) as first,
            running_invoicegraph(directory / "second.log", *arguments, env=shared) as second,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        ):
            yield Pair(first, second, session, shared)
    finally:
        database = open_database(uri, name)
        try:
            await database.drop()
        finally:
            await database.close()


def ok(answer: Answer) -> dict[str, object]:
    assert answer.ok, answer
    return answer.body["data"]  # type: ignore[no-any-return]


async def test_documents_and_keys_registered_through_one_process_work_through_the_other(
    mongodb_uri: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    operation = {"id": sha256(TRUSTED), "name": "Trusted", "type": "query", "body": TRUSTED}
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    trusting = ("--trusted-documents", str(manifest))
    async with two_processes(mongodb_uri, tmp_path, trusting) as pair:
        first, second = pair.clients(READER["key"])
        # An APQ: unknown to both, registered through the first, run by hash through the second.
        unknown = await second.post(None, extensions=apq(COUNT))
        assert unknown.codes == ["PERSISTED_QUERY_NOT_FOUND"]
        assert ok(await first.post(COUNT, extensions=apq(COUNT))) == {"invoices": {"totalCount": 0}}
        assert ok(await second.post(None, extensions=apq(COUNT))) == {"invoices": {"totalCount": 0}}
        # A trusted document, from the manifest the first was started with: the second,
        # started without one, runs it for a persisted-only key, and still refuses others.
        _, partner = pair.clients(PARTNER["key"])
        trusted = await partner.post(None, documentId=f"sha256:{sha256(TRUSTED)}")
        assert ok(trusted) == {"invoices": {"totalCount": 0}}
        assert (await partner.post(COUNT)).status == 403

        # A key made with `invoicegraph keys` works through both; revoked, through neither.
        key = await pair.keys("create", "--account", "acme", "--name", "cli", "--scope", "read")
        made = pair.clients(key.strip())
        for client in made:
            assert ok(await client.post(COUNT)) == {"invoices": {"totalCount": 0}}

        await pair.keys("revoke", "--account", "acme", "cli")

        async def refused(client: RemoteGraphQL) -> bool:
            return (await client.post(COUNT)).status == 401

        # Within the key cache's lifetime (and a margin for a loaded machine).
        for client in made:
            await eventually(lambda client=client: refused(client), KEY_CACHE_SECONDS + 10)


async def test_query_budgets_are_per_process(mongodb_uri: str, tmp_path: Path) -> None:
    """Documented (docs/security.md): behind a balancer a key's budget is rate x processes."""
    budget = {"INVOICEGRAPH_COST_RESTORE_RATE": "0.001", "INVOICEGRAPH_COST_BUCKET_SIZE": "5"}
    async with two_processes(mongodb_uri, tmp_path, **budget) as pair:
        first, second = pair.clients(READER["key"])
        spent = [await first.post(COUNT) for _ in range(8)]
        assert spent[0].ok
        assert (spent[-1].status, spent[-1].codes) == (429, ["THROTTLED"])
        # The second process's bucket for the same key is untouched.
        assert ok(await second.post(COUNT)) == {"invoices": {"totalCount": 0}}
