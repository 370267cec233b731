"""The `invoicegraph` command as a user runs it: a real process on a real port."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import without_cost

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = Path(sys.executable).parent / "invoicegraph"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_schema_command_matches_committed_schema() -> None:
    printed = subprocess.run(
        [EXECUTABLE, "schema"], check=True, capture_output=True, text=True
    ).stdout
    committed = (ROOT / "schema.graphql").read_text()
    assert printed == committed, "schema.graphql is stale: run `make schema`"


def test_schema_describes_every_type_and_field() -> None:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    from graph.schema import schema

    missing = []
    for name, kind in schema._schema.type_map.items():
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
            continue
    assert missing == []


def post(port: int, query: str, key: str = "demo-key") -> dict[str, object]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, object] = json.load(response)
        return result


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
def server(broken_file: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    process = subprocess.Popen(
        [EXECUTABLE, "serve", "--port", str(port), "--ingest", f"acme={broken_file}"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail("the server did not become ready within 20 s")
        yield port, process
    finally:
        process.terminate()
        process.communicate(timeout=10)  # also closes the stderr pipe


def test_serve_answers_reference_invoice_with_demo_data(
    server: tuple[int, subprocess.Popen[str]],
) -> None:
    port, _ = server
    body = post(port, '{ invoice(invoiceId: "62ff5c0bec0aed3c86202c32") { invoiceNumber } }')
    assert without_cost(body) == {"data": {"invoice": {"invoiceNumber": "23940791"}}}
    body = post(port, "{ invoices(first: 1) { totalCount } }")
    assert body["data"]["invoices"]["totalCount"] >= 500  # type: ignore[index]


def test_serve_reports_each_rejected_record_and_starts(
    server: tuple[int, subprocess.Popen[str]],
) -> None:
    port, process = server
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    rejected = [line for line in stderr.splitlines() if ") rejected" in line]
    assert len(rejected) == 3, rejected
    assert "record 1 (invoice X-7)" in rejected[0]
    assert "abc" in rejected[0]
    assert "record 2" in rejected[1]
    assert "not valid JSON" in rejected[1]
    assert "record 3 (invoice F-1)" in rejected[2]
    assert "invoiceStatus" in rejected[2]
