"""Request ids, one JSON log line per request, and the metrics /metrics exports."""

import hashlib
import io
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from graphql.language.parser import Parser
from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from pymongo.errors import NetworkTimeout, OperationFailure

from graph.persisted.requests import PersistedQueries
from invoicegraph.app import RESOURCES
from invoicegraph.observability import (
    JsonLineHandler,
    JsonLogFormatter,
    LineTime,
    request_log,
    sole_json_handler,
)
from seeds.demo import generate_demo_invoices
from store.client import Database, StoreUnavailable
from store.invoices import Scope
from tests.conftest import GraphQLClient, ServeFactory

LOOKUP = "query Lookup($id: ID!) { invoice(invoiceId: $id) { invoiceNumber } }"
PAGE = "query Page { invoices(first: 3) { edges { node { invoiceNumber } } } }"
TWO_OPERATIONS = "query First { __typename } query Second { __typename }"
INVALID = "query Broken { invoices { noSuchField } }"
INGEST = """
mutation Ingest($records: [JSON!]!) {
  akinonInvoicesIngest(records: $records) { stored unchanged rejected errors { code } }
}
"""
AKINON_PAGE = Path(__file__).resolve().parent.parent / "seeds" / "data" / "akinon-example-page.json"
TOKEN_BOMBS = {
    "tokens": "{ " + "a " * 40_000 + "}",  # 80 KB: under the length limit, over the token limit
    "length": "{ " + "a " * 400_000 + "}",  # 800 KB: over the length limit, under the body limit
}


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    for family in text_string_to_metric_families(metrics):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


async def scrape(client: GraphQLClient) -> str:
    response = await client.http.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    return await response.text()


async def seeded(serve: ServeFactory, **settings: Any) -> tuple[GraphQLClient, str]:
    client = await serve(**settings)
    invoices = generate_demo_invoices(accounts=("demo",), per_account=5)
    await client.invoices.scoped(Scope("demo")).insert_many(invoices)
    return client, invoices[0].invoiceId


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The request log lines as the JSON formatter writes them."""
    formatter = JsonLogFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "invoicegraph.requests"
    ]


async def test_response_carries_a_new_request_id_without_one(serve: ServeFactory) -> None:
    client = await serve()
    first = await client.http.get("/healthz")
    second = await client.http.get("/healthz")
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2
    assert all(len(request_id) == 32 for request_id in ids)


@pytest.mark.parametrize(
    ("supplied", "kept"),
    [
        ("req-42.a:b_c", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has space", False),
        ('quote"d', False),
        ("-leading-dash", False),
    ],
)
async def test_request_id_is_kept_only_when_well_formed(
    serve: ServeFactory, supplied: str, kept: bool
) -> None:
    client = await serve()
    response = await client.http.post(
        "/graphql",
        json={"query": PAGE},
        headers={**client.headers(), "X-Request-Id": supplied},
    )
    assert response.status == 200
    assert (response.headers["X-Request-Id"] == supplied) is kept


async def test_each_request_logs_one_json_line_naming_the_key_not_the_key(
    serve: ServeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, invoice_id = await seeded(serve)
    client.key = "demo-writer-key"
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")
    response = await client.http.post(
        "/graphql",
        json={"query": LOOKUP, "variables": {"id": invoice_id}},
        headers={**client.headers(), "X-Request-Id": "lookup-1"},
    )
    assert response.status == 200

    [line] = request_lines(caplog)
    assert line["request_id"] == "lookup-1"
    assert line["operation"] == "Lookup"
    assert (line["key_name"], line["account"]) == ("demo-writer", "demo")
    assert (line["status"], line["outcome"], line["error_codes"]) == (200, "ok", [])
    assert (line["method"], line["path"]) == ("POST", "/graphql")
    assert line["duration_ms"] > 0
    assert "cost" in line
    assert line["level"] == "info"
    assert "demo-writer-key" not in json.dumps(line)


async def test_log_line_names_the_refusal_and_leaves_out_the_query_string(
    serve: ServeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve()
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")
    response = await client.http.get("/graphql", params={"query": "{ __typename }"})
    assert response.status == 401

    [line] = request_lines(caplog)
    assert (line["status"], line["outcome"], line["refusal"]) == (401, "refused", "UNAUTHENTICATED")
    assert line["path"] == "/graphql"
    assert line["key_name"] is None


async def test_probes_log_below_info(serve: ServeFactory, caplog: pytest.LogCaptureFixture) -> None:
    client = await serve()
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await client.http.get(path)).status == 200
    assert request_lines(caplog) == []


async def test_a_request_line_written_from_its_fields_reads_as_the_formatter_writes_it(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process's own handler alone in the way: the line skips the LogRecord (none is
    made) and carries what the formatter would write for one."""
    client, invoice_id = await seeded(serve)
    written = io.StringIO()
    monkeypatch.setattr(request_log, "handlers", [JsonLineHandler(written)])
    monkeypatch.setattr(request_log, "propagate", False)
    monkeypatch.setattr(request_log, "level", logging.INFO)
    records: list[logging.LogRecord] = []
    monkeypatch.setattr(request_log, "handle", records.append)
    response = await client.http.post(
        "/graphql",
        json={"query": LOOKUP, "variables": {"id": invoice_id}},
        headers={**client.headers(), "X-Request-Id": "direct-1"},
    )
    assert response.status == 200
    assert (await client.http.get("/healthz")).status == 200  # a probe: below INFO

    [text] = written.getvalue().splitlines()
    line = json.loads(text)
    assert records == []
    fields = {key: line[key] for key in list(line)[5:]}
    record = logging.makeLogRecord(
        {"name": request_log.name, "levelno": logging.INFO, "msg": "request", "fields": fields}
    )
    formatted = json.loads(JsonLogFormatter().format(record))
    assert {**line, "time": None} == {**formatted, "time": None}
    assert list(line)[:5] == ["time", "level", "logger", "pid", "message"]
    assert (line["level"], line["pid"], line["request_id"]) == ("info", os.getpid(), "direct-1")
    assert (line["operation"], line["outcome"], line["db_documents"]) == ("Lookup", "ok", 1)


def test_a_request_line_goes_through_the_logging_module_unless_one_json_handler_takes_it() -> None:
    """Any other handler, any filter, or a level above the line's: the LogRecord is made."""
    top = logging.getLogger("observability-test")
    top.propagate = False
    below = logging.getLogger("observability-test.requests")
    json_handler = JsonLineHandler(io.StringIO())
    try:
        top.handlers = [json_handler]
        assert sole_json_handler(below, logging.INFO) is json_handler
        json_handler.setLevel(logging.WARNING)
        assert sole_json_handler(below, logging.INFO) is None
        json_handler.setLevel(logging.NOTSET)
        below.addFilter(lambda record: True)
        assert sole_json_handler(below, logging.INFO) is None
        below.filters.clear()
        below.handlers = [logging.StreamHandler(io.StringIO())]
        assert sole_json_handler(below, logging.INFO) is None
        below.handlers = [JsonLineHandler(io.StringIO())]
        assert sole_json_handler(below, logging.INFO) is None  # two JSON handlers
        below.propagate = False
        assert sole_json_handler(below, logging.INFO) is below.handlers[0]
    finally:
        top.handlers, below.handlers, below.propagate = [], [], True


async def test_metrics_count_requests_by_operation_and_outcome(serve: ServeFactory) -> None:
    client, invoice_id = await seeded(serve)
    await client.data(LOOKUP, {"id": invoice_id})
    await client.data(LOOKUP, {"id": invoice_id})
    await client.data(PAGE)
    assert (await client.post(INVALID))[0] == 200
    assert (await client.post(TWO_OPERATIONS, operationName="Second"))[0] == 200
    anonymous = await client.http.post("/graphql", json={"query": "{ __typename }"})
    assert anonymous.status == 401

    metrics = await scrape(client)
    requests = "invoicegraph_graphql_requests_total"
    assert sample(metrics, requests, operation="Lookup", outcome="ok") == 2
    assert sample(metrics, requests, operation="Page", outcome="ok") == 1
    assert sample(metrics, requests, operation="Second", outcome="ok") == 1
    assert sample(metrics, requests, operation="Broken", outcome="request_error") == 1
    assert sample(metrics, requests, operation="unknown", outcome="refused") == 1
    assert sample(metrics, "invoicegraph_graphql_request_seconds_count", operation="Lookup") == 2
    rejected = "invoicegraph_requests_rejected_total"
    assert sample(metrics, rejected, reason="GRAPHQL_VALIDATION_FAILED") == 1
    assert sample(metrics, rejected, reason="UNAUTHENTICATED") == 1
    http = "invoicegraph_http_requests_total"
    assert sample(metrics, http, endpoint="/graphql", status="200") == 5
    assert sample(metrics, http, endpoint="/graphql", status="401") == 1


async def test_metrics_count_every_database_command(serve: ServeFactory) -> None:
    client, invoice_id = await seeded(serve)
    before = sample(await scrape(client), "invoicegraph_db_commands_total")
    commands = client.commands
    await client.data(LOOKUP, {"id": invoice_id})
    await client.data(PAGE)

    metrics = await scrape(client)
    issued = client.commands - commands
    assert issued >= 2
    # The counter also counts the event relay's commands, which run beside the requests.
    assert sample(metrics, "invoicegraph_db_commands_total") >= before + issued
    assert sample(metrics, "invoicegraph_db_command_seconds_count", command="find") >= 2


async def test_metrics_count_the_cpu_inside_database_commands(serve: ServeFactory) -> None:
    client, _ = await seeded(serve)
    before = await scrape(client)
    await client.data(PAGE)

    after = await scrape(client)
    cpu = sample(after, "invoicegraph_db_command_cpu_seconds_total") - sample(
        before, "invoicegraph_db_command_cpu_seconds_total"
    )
    wall = sample(after, "invoicegraph_db_command_seconds_sum", command="find") - sample(
        before, "invoicegraph_db_command_seconds_sum", command="find"
    )
    # The embedded store filters and sorts in this thread: some CPU, never more than the wall.
    assert 0 < cpu <= wall


async def test_operation_labels_stop_growing_at_the_limit(serve: ServeFactory) -> None:
    client = await serve()
    client.http.app[RESOURCES].metrics.operation_label.limit = 2
    for name in ("One", "Two", "Three", "Four"):
        await client.data(f"query {name} {{ __typename }}")
    await client.data("query One { __typename }")

    metrics = await scrape(client)
    requests = "invoicegraph_graphql_requests_total"
    assert sample(metrics, requests, operation="One", outcome="ok") == 2
    assert sample(metrics, requests, operation="Two", outcome="ok") == 1
    assert sample(metrics, requests, operation="other", outcome="ok") == 2
    assert sample(metrics, requests, operation="Three", outcome="ok") == 0


async def test_metrics_count_persisted_document_hits_and_misses(serve: ServeFactory) -> None:
    client = await serve()
    query = "query Typename { __typename }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    assert (await client.post(None, extensions=extensions))[1]["errors"][0]["message"] == (
        "PersistedQueryNotFound"
    )
    assert (await client.post(query, extensions=extensions))[0] == 200
    for _ in range(3):
        status, body = await client.post(None, extensions=extensions)
        assert (status, body["data"]) == (200, {"__typename": "Query"})

    persisted: PersistedQueries | None = client.http.app[RESOURCES].persisted
    assert persisted is not None
    metrics = await scrape(client)
    lookups = "invoicegraph_persisted_documents_total"
    assert sample(metrics, lookups, result="hit") == persisted.hits == 3
    assert sample(metrics, lookups, result="miss") == persisted.misses == 1
    rejected = "invoicegraph_requests_rejected_total"
    assert sample(metrics, rejected, reason="PERSISTED_QUERY_NOT_FOUND") == 1


async def test_metrics_count_ingested_records(serve: ServeFactory) -> None:
    client = await serve(ingest=[f"acme={AKINON_PAGE}"])
    stored = await client.invoices.scoped(Scope("acme")).count()
    assert stored > 0

    metrics = await scrape(client)
    assert sample(metrics, "invoicegraph_ingest_records_total", outcome="stored") == stored
    assert sample(metrics, "invoicegraph_ingest_records_total", outcome="rejected") == 0


async def test_metrics_count_records_pushed_through_the_ingest_mutation(
    serve: ServeFactory,
) -> None:
    client = await serve()
    [record] = json.loads(AKINON_PAGE.read_text())["results"][:1]
    broken = {**record, "id": record["id"] + 1, "number": "broken", "created_date": "yesterday"}
    before = await scrape(client)

    first = (await client.data(INGEST, {"records": [record, broken]}))["akinonInvoicesIngest"]
    again = (await client.data(INGEST, {"records": [record]}))["akinonInvoicesIngest"]

    assert (first["stored"], first["rejected"], again["unchanged"]) == (1, 1, 1)
    metrics = await scrape(client)
    ingested = "invoicegraph_ingest_records_total"
    counted = {
        outcome: sample(metrics, ingested, outcome=outcome)
        - sample(before, ingested, outcome=outcome)
        for outcome in ("stored", "updated", "unchanged", "stale", "rejected")
    }
    assert counted == {"stored": 1, "updated": 0, "unchanged": 1, "stale": 0, "rejected": 1}


async def test_too_large_body_is_refused_and_counted(serve: ServeFactory) -> None:
    client = await serve(max_body_bytes=2000, max_ingest_body_bytes=2000)
    response = await client.http.post(
        "/graphql", json={"query": "{ __typename }" + " " * 5000}, headers=client.headers()
    )
    assert response.status == 413
    assert len(response.headers["X-Request-Id"]) == 32

    metrics = await scrape(client)
    assert sample(metrics, "invoicegraph_requests_rejected_total", reason="REQUEST_TOO_LARGE") == 1


async def test_unexpected_failure_answers_500_with_the_request_id_and_no_trace(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    client = await serve()
    monkeypatch.setattr(PersistedQueries, "requested_document", broken)
    response = await client.http.post(
        "/graphql", json={"query": PAGE}, headers={**client.headers(), "X-Request-Id": "boom-1"}
    )
    assert response.status == 500
    body = await response.json()
    assert body["errors"][0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "boom-1",
    }
    assert "secret" not in json.dumps(body)
    assert set(body["extensions"]["cost"]) == {"requestedQueryCost", "maximumAvailable"}
    metrics = await scrape(client)
    requests = "invoicegraph_graphql_requests_total"
    assert sample(metrics, requests, operation="unknown", outcome="internal_error") == 1
    assert any(
        record.exc_info and "boom-1" in record.getMessage()
        for record in caplog.records
        if record.name == "invoicegraph.requests"
    )


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per GraphQL document graphql-core parses from now on (by anyone)."""
    parses: list[int] = []
    parse_document = Parser.parse_document

    def counted(self: Parser) -> Any:
        parses.append(1)
        return parse_document(self)

    monkeypatch.setattr(Parser, "parse_document", counted)
    return parses


@pytest.mark.parametrize("limit", sorted(TOKEN_BOMBS))
async def test_refused_token_bomb_is_logged_without_being_parsed(
    serve: ServeFactory,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
) -> None:
    client = await serve()
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")
    parses = counting_parses(monkeypatch)

    status, body = await client.post(TOKEN_BOMBS[limit])

    assert status == 200
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["limit"]) == (
        "QUERY_TOO_COMPLEX",
        limit,
    )
    [line] = request_lines(caplog)
    assert (line["outcome"], line["refusal"]) == ("request_error", "QUERY_TOO_COMPLEX")
    assert line["operation"] == "unknown"
    assert parses == []


async def test_log_names_the_operation_of_a_document_parsed_once(
    serve: ServeFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await serve()
    caplog.set_level(logging.INFO, logger="invoicegraph.requests")
    parses = counting_parses(monkeypatch)

    assert (await client.post(TWO_OPERATIONS, operationName="First"))[0] == 200
    assert (await client.post(INVALID))[0] == 200

    assert [line["operation"] for line in request_lines(caplog)] == ["First", "Broken"]
    assert len(parses) == 2


async def test_readiness_failure_shows_no_driver_message(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def refused(*_: Any) -> None:
        raise OperationFailure("not authorized on secret-db as user s3cret", code=13)

    client = await serve()
    monkeypatch.setattr(Database, "ping", refused)
    caplog.set_level(logging.WARNING, logger="invoicegraph")

    response = await client.http.get("/readyz")

    assert response.status == 503
    assert await response.json() == {"status": "unavailable"}
    assert "s3cret" in caplog.text  # the operator still learns why


async def test_readiness_failure_of_the_store_says_why(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stalled(*_: Any) -> None:
        raise StoreUnavailable("ping", NetworkTimeout("timed out at 10.0.0.7:27017"))

    client = await serve()
    monkeypatch.setattr(Database, "ping", stalled)

    response = await client.http.get("/readyz")

    assert response.status == 503
    assert await response.json() == {
        "status": "unavailable",
        "reason": "the database did not answer in time",
    }


@given(st.floats(min_value=0, max_value=2**33, allow_nan=False), st.integers(0, 3))
@example(1553472657.9319994, 0)  # rounds up to the next millisecond
@example(1767225599.9999995, 0)  # and to the next second, across a year
def test_a_line_time_is_the_instant_to_the_millisecond(created: float, again: int) -> None:
    """The log's time, its second formatted once, is what isoformat writes, seconds apart or not."""
    line_time = LineTime()
    for instant in (created, created + again, created):
        written = datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds")
        assert line_time(instant) == written
