"""Trusted documents: an operator's manifest, and keys that may run nothing else."""

import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from invoicegraph.app import RESOURCES
from invoicegraph.cli import main
from invoicegraph.settings import ApiKeyConfig
from store.persisted_documents import PersistedDocuments, TrustedDocument
from tests.conftest import TEST_KEYS, GraphQLClient, ServeFactory, without_cost

# Served tests on both backends: the embedded store and a MongoDB-speaking server.
pytestmark = pytest.mark.both_backends

EXECUTABLE = Path(sys.executable).parent / "invoicegraph"

COUNT_INVOICES = "query CountInvoices {\n  invoices(first: 1) {\n    totalCount\n  }\n}"
LOOK_UP = (
    "query LookUp($invoiceId: ID!) {\n  invoice(invoiceId: $invoiceId) {\n    invoiceNumber\n  }\n}"
)
UNTRUSTED = "query Untrusted { invoices(first: 5) { totalCount } }"
PARTNER = ApiKeyConfig(
    key="partner-persisted-key", account="demo", scopes=["read", "persisted-only"], name="partner"
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(*bodies: str) -> dict[str, Any]:
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": sha256(body), "name": body.split()[1], "type": "query", "body": body}
            for body in bodies
        ],
    }


@pytest.fixture
def manifest_path(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(json.dumps(manifest(COUNT_INVOICES, LOOK_UP)))
    return path


async def serve_partner(serve: ServeFactory, manifest_path: Path) -> GraphQLClient:
    client = await serve(trusted_documents=str(manifest_path), api_keys=[*TEST_KEYS, PARTNER])
    client.key = PARTNER.key
    return client


async def post(client: GraphQLClient, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.http.post("/graphql", json=body, headers=client.headers())
    return response.status, await response.json()


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


async def test_persisted_only_key_runs_trusted_document_by_apq_hash(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    status, body = await post(client, {"extensions": apq(COUNT_INVOICES)})
    assert (status, without_cost(body)) == (200, {"data": {"invoices": {"totalCount": 0}}})


async def test_persisted_only_key_runs_trusted_document_by_document_id(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    status, body = await post(
        client,
        {"documentId": f"sha256:{sha256(LOOK_UP)}", "variables": {"invoiceId": "nope"}},
    )
    assert (status, without_cost(body)) == (200, {"data": {"invoice": None}})


async def test_persisted_only_key_runs_trusted_document_over_get(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    for params in (
        {"documentId": f"sha256:{sha256(COUNT_INVOICES)}"},
        {"extensions": json.dumps(apq(COUNT_INVOICES))},
    ):
        response = await client.http.get("/graphql", params=params, headers=client.headers())
        assert response.status == 200
        assert without_cost(await response.json()) == {"data": {"invoices": {"totalCount": 0}}}


async def test_persisted_only_key_ad_hoc_document_is_403(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    # Even the text of a trusted document is refused when it comes without its id.
    status, body = await post(client, {"query": COUNT_INVOICES})
    assert status == 403
    [error] = body["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    assert "documentId" in error["message"]
    response = await client.http.get(
        "/graphql", params={"query": COUNT_INVOICES}, headers=client.headers()
    )
    assert response.status == 403


async def test_persisted_only_key_apq_registration_is_403_and_stores_nothing(
    serve: ServeFactory, manifest_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve_partner(serve, manifest_path)
    status, body = await post(client, {"query": UNTRUSTED, "extensions": apq(UNTRUSTED)})
    assert status == 403
    [error] = body["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"
    assert "registers no documents" in error["message"]
    database = client.http.app[RESOURCES].database
    assert database is not None
    assert await PersistedDocuments(database).find(sha256(UNTRUSTED)) is None
    assert (
        f"partner (account demo) tried to register untrusted document sha256:{sha256(UNTRUSTED)}"
        in caplog.text
    )


async def test_persisted_only_key_trusted_text_with_hash_runs(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    status, body = await post(client, {"query": COUNT_INVOICES, "extensions": apq(COUNT_INVOICES)})
    assert (status, without_cost(body)) == (200, {"data": {"invoices": {"totalCount": 0}}})


async def test_persisted_only_key_unknown_ids_are_403_and_logged(
    serve: ServeFactory, manifest_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve_partner(serve, manifest_path)
    caplog.set_level(logging.WARNING, logger="invoicegraph.persisted")
    unknown = sha256("{ invoices { totalCount } }")
    for body in (
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": unknown}}},
        {"documentId": f"sha256:{unknown}"},
    ):
        status, answer = await post(client, body)
        assert status == 403
        assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"
    logged = [r.getMessage() for r in caplog.records if r.name == "invoicegraph.persisted"]
    line = (
        f"persisted-only key partner (account demo) asked for untrusted document sha256:{unknown}"
    )
    assert logged == [line, line]


async def test_persisted_only_key_cannot_run_apq_registered_document(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    client.key = "demo-key"  # a full key of the same account registers a document
    status, body = await post(client, {"query": UNTRUSTED, "extensions": apq(UNTRUSTED)})
    assert status == 200
    assert "errors" not in body
    client.key = PARTNER.key
    status, body = await post(client, {"extensions": apq(UNTRUSTED)})
    assert status == 403
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"


async def test_trusted_document_runs_for_every_account(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    client.key = "acme-reader-key"
    status, body = await post(client, {"documentId": f"sha256:{sha256(COUNT_INVOICES)}"})
    assert (status, without_cost(body)) == (200, {"data": {"invoices": {"totalCount": 0}}})


async def test_document_id_unknown_is_404_for_full_key(serve: ServeFactory) -> None:
    client = await serve()
    unknown = f"sha256:{sha256(UNTRUSTED)}"
    response = await client.http.post(
        "/graphql", json={"documentId": unknown}, headers=client.headers()
    )
    assert response.status == 404
    assert response.headers["Cache-Control"] == "private, no-cache, must-revalidate"
    [error] = (await response.json())["errors"]
    assert error == {
        "message": f"No persisted document {unknown}.",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"documentId": "md5:abc"}, "Unsupported documentId 'md5:abc'"),
        ({"documentId": f"sha256:{sha256(UNTRUSTED).upper()}"}, "Unsupported documentId"),
        (
            {"documentId": f"sha256:{sha256(UNTRUSTED)}", "query": UNTRUSTED},
            "Send either 'query' or 'documentId', not both.",
        ),
        (
            {"documentId": f"sha256:{sha256(UNTRUSTED)}", "extensions": apq(UNTRUSTED)},
            "Name the document once",
        ),
        ({"documentId": 12}, "'documentId' must be a string."),
    ],
)
async def test_document_id_malformed_is_400(
    serve: ServeFactory, body: dict[str, Any], message: str
) -> None:
    client = await serve()
    status, answer = await post(client, body)
    assert status == 400
    assert answer["errors"][0]["message"].startswith(message)
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_manifest_marks_apq_registration_trusted(
    serve: ServeFactory, manifest_path: Path
) -> None:
    client = await serve_partner(serve, manifest_path)
    database = client.http.app[RESOURCES].database
    assert database is not None
    documents = PersistedDocuments(database)
    await documents.register(sha256(UNTRUSTED), UNTRUSTED, "acme")
    report = await documents.trust([_trusted(UNTRUSTED), _trusted(COUNT_INVOICES)])
    assert (report.trusted, report.new) == (2, 0)
    stored = await documents.find(sha256(UNTRUSTED))
    assert stored is not None
    assert stored.trusted
    assert stored.accounts == {"acme"}


def _trusted(body: str) -> TrustedDocument:
    return TrustedDocument(sha256=sha256(body), body=body, name=None, operation_type="query")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The `invoicegraph` command in this process (it exits before serving): (code, stderr)."""
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            {"id": "0" * 64, "body": COUNT_INVOICES, "type": "query"},
            "is not the SHA-256 of its body",
        ),
        (
            {"id": sha256("{ nope }"), "body": "{ nope }", "type": "query"},
            "not valid for this schema",
        ),
        ({"id": sha256("{ invoices "), "body": "{ invoices ", "type": "query"}, "does not parse"),
        ({"id": sha256(COUNT_INVOICES), "body": COUNT_INVOICES, "type": "fetch"}, "'type' must be"),
    ],
)
def test_serve_with_bad_manifest_exits_2_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any], reason: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**manifest(), "operations": [document]}))
    code, stderr = run_cli(capsys, "serve", "--trusted-documents", str(path))
    assert code == 2
    assert f"{path}: operations[0]" in stderr
    assert reason in stderr


def test_trusted_documents_add_without_database_exits_2(
    manifest_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    code, stderr = run_cli(capsys, "trusted-documents", "add", str(manifest_path))
    assert code == 2
    assert "--mongodb-uri" in stderr


def test_trusted_documents_add_rejects_other_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relay.json"
    path.write_text(json.dumps({sha256(COUNT_INVOICES): COUNT_INVOICES}))
    code, stderr = run_cli(
        capsys, "trusted-documents", "add", str(path), "--mongodb-uri", "mongodb://unused"
    )
    assert code == 2
    assert "'format' must be 'apollo-persisted-query-manifest'" in stderr


@pytest.mark.mongodb
def test_trusted_documents_add_stores_into_mongodb(manifest_path: Path, mongodb_uri: str) -> None:
    uri = mongodb_uri
    database = f"invoicegraph_test_trusted_{os.getpid()}"
    command = [EXECUTABLE, "trusted-documents", "add", str(manifest_path), "--mongodb-uri", uri]
    env = {**os.environ, "INVOICEGRAPH_DATABASE": database}
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"trusted 2 documents from {manifest_path} (2 new)"
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert again.stdout.strip() == f"trusted 2 documents from {manifest_path} (0 new)"
    from pymongo import MongoClient

    with MongoClient(uri) as mongo:
        stored = mongo[database]["persisted_documents"].find_one({"sha256": sha256(LOOK_UP)})
        mongo.drop_database(database)
    assert stored is not None
    assert stored["trusted"] is True
    assert stored["body"] == LOOK_UP
