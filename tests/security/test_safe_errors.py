"""Unexpected failures reach the client as one generic message with an id; the details, with
the same id, reach the log only. Keys that may not introspect get no schema hints either.
"""

import json
import logging
from typing import Any

import pytest
from pymongo.errors import OperationFailure

from graph.limits.cost import QueryCost
from invoicegraph.settings import ApiKeyConfig
from store.invoices import ScopedInvoices
from store.keys import KeyStore
from tests.conftest import ServeFactory
from tests.security.tenants import SERVE_KEYS, Caller, send

DRIVER_MESSAGE = "Executor error during find :: caused by :: secret collection invoices_v2"
LOOKUP = '{ a: invoice(invoiceId: "x") { invoiceId } b: invoices { totalCount } }'


def error_ids_logged(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {
        str(record.args[0]): record  # type: ignore[index]
        for record in caplog.records
        if record.name == "invoicegraph.errors"
    }


async def test_driver_error_in_a_resolver_is_masked_with_an_error_id(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing(*_: Any, **__: Any) -> Any:
        raise OperationFailure(DRIVER_MESSAGE, code=2)

    client = await serve()
    monkeypatch.setattr(ScopedInvoices, "get_many", failing)

    status, body = await client.post(LOOKUP)

    assert status == 200
    assert body["data"] == {"a": None, "b": {"totalCount": 0}}  # the rest still answers
    [error] = body["errors"]
    error_id = error["extensions"]["errorId"]
    assert error == {
        "message": f"Internal server error (error id {error_id}).",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        "path": ["a"],
    }
    for secret in ("secret", "Executor", "OperationFailure", "invoices_v2", "Traceback"):
        assert secret not in json.dumps(body)
    logged = error_ids_logged(caplog)[error_id]
    assert logged.exc_info is not None
    assert DRIVER_MESSAGE in str(logged.exc_info[1])


async def test_failure_before_execution_is_masked_too(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(*_: Any) -> int:
        raise RuntimeError("cost model broke at graph/limits/cost.py internals")

    client = await serve()
    monkeypatch.setattr(QueryCost, "operation", failing)
    before = client.commands

    status, body = await client.post(LOOKUP)

    assert client.commands == before
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "internals" not in json.dumps(body)
    assert error["extensions"]["errorId"] in error_ids_logged(caplog)


async def test_failure_of_the_key_store_is_a_generic_500(
    serve: ServeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*_: Any) -> Any:
        raise OperationFailure(DRIVER_MESSAGE, code=2)

    client = await serve()
    monkeypatch.setattr(KeyStore, "use", failing)

    status, body = await send(client, Caller("igk_stored-key-lookup"), LOOKUP)

    assert status == 500
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in json.dumps(body)


async def test_no_schema_hints_without_introspection(serve: ServeFactory) -> None:
    quiet = ApiKeyConfig(key="quiet-key", account="acme", scopes=["read"], introspection=False)
    client = await serve(api_keys=[*SERVE_KEYS, quiet])
    typo = "{ invoces { totalCont } }"

    status, body = await send(client, Caller("acme-all-key"), typo)
    assert body["errors"][0]["message"].endswith("Did you mean 'invoices' or 'invoice'?")

    status, body = await send(client, Caller("quiet-key"), typo)
    [error] = body["errors"]
    assert error["message"] == "Cannot query field 'invoces' on type 'Query'."
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


FILTERED_BY_VARIABLE = """
query Filtered($filter: InvoiceFilter) { invoices(filter: $filter) { totalCount } }
"""


async def test_no_schema_hints_in_variable_errors_without_introspection(
    serve: ServeFactory,
) -> None:
    quiet = ApiKeyConfig(key="quiet-key", account="acme", scopes=["read"], introspection=False)
    client = await serve(api_keys=[*SERVE_KEYS, quiet])
    typo = {"filter": {"invoiceStatu": {"eq": "DRAFT"}}}

    status, body = await send(client, Caller("quiet-key"), FILTERED_BY_VARIABLE, typo)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "unknown field 'invoiceStatu'" in error["message"]
    assert "Did you mean" not in error["message"]
    assert "invoiceStatus" not in error["message"]
