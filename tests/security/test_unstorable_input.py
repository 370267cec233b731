"""JSON that BSON cannot store (NUL in a key, integers beyond 64 bits) is refused with a
code and its path, the same on every path in; the rejects writer never fails (issue 13)."""

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from seeds.ingest import ingest_file
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory
from tests.graph.test_akinon_ingest_mutation import INGEST, akinon
from tests.test_cli_ingest import run, summary

HUGE = 1180591620717411303424  # 2**70: issue 13 saw it read back as 1.1805916207174113e+21

CREATE = """mutation($input: InvoiceCreateInput!) {
  invoiceCreate(input: $input) { invoice { invoiceId } errors { code message field } } }"""
UPDATE = """mutation($id: ID!, $attributes: JSON) {
  invoiceAttributesUpdate(invoiceId: $id, attributes: $attributes) {
    invoice { version attributes } errors { code message field } } }"""


async def post_raw(client: GraphQLClient, body: dict[str, Any], huge: int = HUGE) -> Any:
    """Posts `body` with the marker 4242 replaced by `huge` as a JSON integer literal."""
    text = orjson.dumps(body).replace(b"4242", str(huge).encode())
    headers = {**client.headers(), "Content-Type": "application/json"}
    response = await client.http.post("/graphql", data=io.BytesIO(text), headers=headers)
    assert response.status == 200
    return await response.json()


async def created(client: GraphQLClient) -> str:
    data = await client.data(CREATE, {"input": {"invoiceNumber": "A-1", "invoiceTotal": "1.00"}})
    invoice_id: str = data["invoiceCreate"]["invoice"]["invoiceId"]
    return invoice_id


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"a\u0000b": 1}, "attributes"),
        ({"outer": {"in\u0000ner": [1]}}, "attributes.outer"),
        ({"list": [{"x": 1}, {"\u0000": 2}]}, "attributes.list[1]"),
    ],
)
async def test_nul_in_a_key_is_refused_with_its_path(
    serve: ServeFactory, attributes: dict[str, Any], field: str
) -> None:
    client = await serve()
    invoice_id = await created(client)
    data = await client.data(UPDATE, {"id": invoice_id, "attributes": attributes})
    [error] = data["invoiceAttributesUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", field)
    assert "NUL" in error["message"]

    new = {"invoiceNumber": "A-2", "invoiceTotal": "1.00", "attributes": attributes}
    refused = (await client.data(CREATE, {"input": new}))["invoiceCreate"]
    assert refused["invoice"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_INPUT", field)]


async def test_huge_integers_in_attributes_are_refused_not_rounded(serve: ServeFactory) -> None:
    client = await serve()
    invoice_id = await created(client)
    body = {"query": UPDATE, "variables": {"id": invoice_id, "attributes": {"n": 4242}}}
    answer = await post_raw(client, body)
    [error] = answer["data"]["invoiceAttributesUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "attributes.n")
    assert str(HUGE) in error["message"]
    # The largest 64-bit integer is kept exactly.
    kept = await post_raw(client, body, huge=2**63 - 1)
    assert kept["data"]["invoiceAttributesUpdate"]["invoice"]["attributes"] == {"n": 2**63 - 1}


async def test_huge_integers_are_rejected_alike_by_every_ingest_path(
    serve: ServeFactory, tmp_path: Path
) -> None:
    client = await serve()
    body = {"query": INGEST, "variables": {"records": [akinon(1, weight=4242), akinon(2)]}}
    answer = await post_raw(client, body)
    over_api = answer["data"]["akinonInvoicesIngest"]["results"]
    assert [r["status"] for r in over_api] == ["REJECTED", "STORED"]

    path = tmp_path / "records.json"
    path.write_text(json.dumps([akinon(3, weight=HUGE), akinon(4)]))
    report = await ingest_file(path, client.invoices.scoped(Scope("other")))
    [from_file] = report.rejected
    assert (report.stored, from_file.position) == (1, 1)
    assert from_file.reason == over_api[0]["reason"]
    assert from_file.path == over_api[0]["field"]


def test_the_rejects_writer_keeps_huge_integers_and_the_ingest_goes_on(tmp_path: Path) -> None:
    # Two batches: the rejection in the first must not stop the second.
    records = [akinon(n) for n in range(1, 601)]
    records[1]["weight"] = HUGE
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    rejects = tmp_path / "rejects.jsonl"

    result = run(path, "--account", "acme", "--rejects", rejects)

    assert result.returncode == 3, result.stderr
    assert (
        summary(result) == "read 600 / stored 599 / updated 0 / unchanged 0 / stale 0 / rejected 1"
    )
    [line] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert line["record"]["weight"] == HUGE  # exactly, as the file held it
    assert line["rejected"]["position"] == 2
