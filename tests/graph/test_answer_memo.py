"""Invoice answers remembered by their stored document (graph/compiled/answer_memo.py):
what is kept, when it is found again, that a changed document is built anew, and the bound.
The answers themselves are held equal to the executor's by the equivalence suite, which
asks every compiled question twice (tests/graph/test_compiled_equivalence.py)."""

import datetime
import re
from typing import Any

import orjson
import pytest

from bench.selections import full_selection
from graph.compiled.answer_memo import ENTRY_OVERHEAD, AnswerMemo
from graph.compiled.leaves import Fallback
from invoicegraph.app import RESOURCES
from store.collection_names import INVOICES
from tests.conftest import GraphQLClient, ServeFactory

FULL_PAGE = f"{{ invoices(first: 20) {{ edges {{ node {{ {full_selection()} }} }} }} }}"
SMALL_PAGE = "{ invoices(first: 20) { edges { node { invoiceNumber invoiceTotal } } } }"
ONE_FULL = f"query One($id: ID!) {{ invoice(invoiceId: $id) {{ {full_selection()} }} }}"


async def memo_counts(client: GraphQLClient) -> dict[str, float]:
    text = await (await client.http.get("/metrics")).text()
    return {
        match.group(1): float(match.group(2))
        for match in re.finditer(
            r'^invoicegraph_graphql_answer_memo_total\{result="(\w+)"\} (\S+)$', text, re.M
        )
    }


async def test_a_full_page_is_built_once_then_found(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    before = await memo_counts(client)

    first = await client.post(FULL_PAGE)
    second = await client.post(FULL_PAGE)

    assert first == second
    after = await memo_counts(client)
    assert after["miss"] - before.get("miss", 0) == 20
    assert after["hit"] - before.get("hit", 0) == 20


async def test_small_selections_are_built_every_time(serve: ServeFactory) -> None:
    client = await serve(demo_data=True)
    memo = client.http.app[RESOURCES].executions.memo

    await client.post(SMALL_PAGE)
    await client.post(SMALL_PAGE)

    assert (memo.hits, memo.misses, memo.bytes_held) == (0, 0, 0)


async def test_a_changed_document_is_built_anew(serve: ServeFactory) -> None:
    """Another writer (no call through this process) changes the stored document: the next
    answer shows the change, exactly as the executor answers it."""
    client = await serve(demo_data=True)
    executor = await serve(demo_data=True, compiled_execution=False)
    page = await client.data("{ invoices(first: 1) { edges { node { invoiceId } } } }")
    invoice_id = page["invoices"]["edges"][0]["node"]["invoiceId"]
    await client.post(ONE_FULL, {"id": invoice_id})
    memo = client.http.app[RESOURCES].executions.memo
    misses = memo.misses

    for served in (client, executor):
        collection = served.http.app[RESOURCES].database.collection(INVOICES)
        changed = {"$set": {"invoiceNumber": "CHANGED-1"}}
        await collection.update_one({"account": "demo", "invoiceId": invoice_id}, changed)
    status, answer = await client.post(ONE_FULL, {"id": invoice_id})

    assert answer["data"]["invoice"]["invoiceNumber"] == "CHANGED-1"
    assert memo.misses == misses + 1
    assert (status, answer) == await executor.post(ONE_FULL, {"id": invoice_id})


class CountingPlan:
    """A stand-in plan: its answer names the document, and it counts its calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, document: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.fail:
            raise Fallback
        return {"number": document["n"], "padding": "x" * 100}


def test_equal_documents_share_an_answer_and_others_do_not() -> None:
    memo = AnswerMemo(2**20)
    plan = CountingPlan()

    answers = [
        orjson.dumps(memo.answer(plan, document))  # type: ignore[arg-type]
        for document in ({"n": 1}, {"n": 1}, {"n": True}, {"n": "1"}, {"n": 1.0})
    ]

    assert answers[0] == answers[1] == orjson.dumps(plan({"n": 1}))
    assert (memo.hits, memo.misses) == (1, 4)  # true, "1" and 1.0 are not 1


def test_a_value_without_exact_json_text_is_built_every_time() -> None:
    memo = AnswerMemo(2**20)
    plan = CountingPlan()
    moment = datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)

    for _ in range(3):
        memo.answer(plan, {"n": moment})  # type: ignore[arg-type]

    assert plan.calls == 3
    assert (memo.hits, memo.misses, memo.bytes_held) == (0, 0, 0)


def test_a_refused_document_is_never_kept() -> None:
    memo = AnswerMemo(2**20)
    plan = CountingPlan(fail=True)

    for _ in range(2):
        with pytest.raises(Fallback):
            memo.answer(plan, {"n": 1})  # type: ignore[arg-type]

    assert plan.calls == 2
    assert memo.bytes_held == 0


def test_the_memo_holds_no_more_than_its_bytes() -> None:
    entry = len(b'{"n":1000}') + len(orjson.dumps(CountingPlan()({"n": 1000}))) + ENTRY_OVERHEAD
    memo = AnswerMemo(10 * entry)
    plan = CountingPlan()

    for number in range(1000, 1100):
        memo.answer(plan, {"n": number})  # type: ignore[arg-type]

    assert memo.bytes_held == 10 * entry
    memo.answer(plan, {"n": 1099})  # type: ignore[arg-type]  # the newest stays
    assert (memo.hits, memo.misses) == (1, 100)
    memo.answer(plan, {"n": 1000})  # type: ignore[arg-type]  # the oldest went first
    assert (memo.hits, memo.misses) == (1, 101)
    assert memo.bytes_held == 10 * entry
