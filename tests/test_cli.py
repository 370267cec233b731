"""The `invoicegraph` command as a user runs it: a real process on a real port."""

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bench.processes import ChildProcess, running_invoicegraph
from tests.conftest import without_cost
from tests.remote_client import RemoteGraphQL

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = Path(sys.executable).parent / "invoicegraph"


def test_schema_command_matches_committed_schema() -> None:
    printed = subprocess.run(
        [EXECUTABLE, "schema"], check=True, capture_output=True, text=True
    ).stdout
    committed = (ROOT / "schema.graphql").read_text()
    assert printed == committed, "schema.graphql is stale: run `make schema`"


def test_schema_describes_every_type_and_field() -> None:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    from graph.core_schema import core_schema
    from graph.schema import build_schema

    missing = []
    for name, kind in core_schema(build_schema()).type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in kind.fields.items() if not field.description]
        if isinstance(kind, GraphQLObjectType):
            for field_name, field in kind.fields.items():
                missing += [
                    f"{name}.{field_name}({a})"
                    for a, argument in field.args.items()
                    if not argument.description
                ]
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in kind.values.items() if not value.description]
    assert missing == []


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.jsonl"
    path.write_text(
        '{"id": 7, "invoice_type": "purchased", "number": "X-7", '
        '"created_date": "2024-01-01T00:00:00Z", "invoiceitem_set": '
        '[{"id": 1, "total_amount": "abc"}]}\n'
        "this line is not json\n"
        '{"invoiceNumber": "F-1", "invoiceTotal": "10.00", "invoiceStatus": "NOPE"}\n'
        '{"invoiceNumber": "F-2", "invoiceTotal": "12.50", "invoiceStatus": "ISSUED"}\n'
    )
    return path


@pytest.fixture
async def server(broken_file: Path, tmp_path: Path) -> AsyncIterator[ChildProcess]:
    """`invoicegraph serve` ingesting the broken file, ready (the shared 120 s readiness wait)."""
    async with running_invoicegraph(
        tmp_path / "server.log", "--ingest", f"acme={broken_file}"
    ) as started:
        yield started


async def test_serve_answers_reference_invoice_with_demo_data(server: ChildProcess) -> None:
    async with aiohttp.ClientSession() as session:
        client = RemoteGraphQL(session, server.url, "demo-key")
        answer = await client.post(
            '{ invoice(invoiceId: "62ff5c0bec0aed3c86202c32") { invoiceNumber } }'
        )
        assert without_cost(answer.body) == {"data": {"invoice": {"invoiceNumber": "23940791"}}}
        answer = await client.post("{ invoices(first: 1) { totalCount } }")
        assert answer.body["data"]["invoices"]["totalCount"] >= 500


async def test_serve_reports_each_rejected_record_and_starts(server: ChildProcess) -> None:
    await server.stop()
    stderr = server.output.read_text()
    rejected = [line for line in stderr.splitlines() if ") rejected" in line]
    assert len(rejected) == 3, rejected
    assert "record 1 (invoice X-7)" in rejected[0]
    assert "abc" in rejected[0]
    assert "record 2" in rejected[1]
    assert "not valid JSON" in rejected[1]
    assert "record 3 (invoice F-1)" in rejected[2]
    assert "invoiceStatus" in rejected[2]
