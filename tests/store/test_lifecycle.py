"""The lifecycle tables: every pair of states decided, and docs/lifecycle.md saying the same."""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from store.domain.enums import InvoiceStatus, StatusCode
from store.domain.lifecycle import (
    DELIVERY_BLOCKED_BY,
    INVOICE_STATUS_TRANSITIONS,
    STATUS_CODE_TRANSITIONS,
    check_invoice_status_move,
    check_status_code_move,
    state_name,
)
from store.domain.refusals import ChangeRefused

Table = Mapping[Any, Mapping[Any, str]]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"

STATUS_PAIRS = [(source, target) for source in [None, *InvoiceStatus] for target in InvoiceStatus]
CODE_CASES = [
    (status, source, target)
    for status in [None, *InvoiceStatus]
    for source in [None, *StatusCode]
    for target in StatusCode
]


def documented(section: str) -> set[tuple[str, str, str]]:
    """The (from, to, why) rows of one section's table in docs/lifecycle.md."""
    text = DOCS.read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \|$", body, flags=re.MULTILINE)
    return {row for row in rows if row[0] not in ("from", "---")}


def coded(table: Table) -> set[tuple[str, str, str]]:
    return {
        (state_name(source), target.value, why)
        for source, targets in table.items()
        for target, why in targets.items()
    }


def test_tables_have_a_row_for_every_state() -> None:
    assert set(INVOICE_STATUS_TRANSITIONS) == {None, *InvoiceStatus}
    assert set(STATUS_CODE_TRANSITIONS) == {None, *StatusCode}


@pytest.mark.parametrize(
    ("section", "table"),
    [("invoiceStatus", INVOICE_STATUS_TRANSITIONS), ("statusCode", STATUS_CODE_TRANSITIONS)],
)
def test_docs_list_exactly_the_coded_transitions(section: str, table: Table) -> None:
    assert documented(section) == coded(table)


def test_deleted_is_terminal_and_every_status_is_reachable() -> None:
    assert INVOICE_STATUS_TRANSITIONS[InvoiceStatus.DELETED] == {}
    reached: set[InvoiceStatus | None] = {None}
    frontier: list[InvoiceStatus | None] = [None]
    while frontier:
        for target in INVOICE_STATUS_TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == {None, *InvoiceStatus}


@pytest.mark.parametrize(("source", "target"), STATUS_PAIRS, ids=str)
def test_invoice_status_move_is_allowed_exactly_when_listed(
    source: InvoiceStatus | None, target: InvoiceStatus
) -> None:
    listed = INVOICE_STATUS_TRANSITIONS[source]
    if target in listed:
        assert check_invoice_status_move(source, target) == listed[target]
        return
    with pytest.raises(ChangeRefused) as refused:
        check_invoice_status_move(source, target)
    [refusal] = refused.value.refusals
    assert (refusal.code, refusal.field) == ("INVALID_TRANSITION", "invoiceStatus")
    assert f"from {state_name(source)} to {target.value}" in refusal.message


@pytest.mark.parametrize(("status", "source", "target"), CODE_CASES, ids=str)
def test_status_code_move_is_allowed_exactly_when_listed_and_not_blocked(
    status: InvoiceStatus | None, source: StatusCode | None, target: StatusCode
) -> None:
    listed = STATUS_CODE_TRANSITIONS[source]
    if target in listed and status not in DELIVERY_BLOCKED_BY:
        assert check_status_code_move(status, source, target) == listed[target]
        return
    with pytest.raises(ChangeRefused) as refused:
        check_status_code_move(status, source, target)
    [refusal] = refused.value.refusals
    assert (refusal.code, refusal.field) == ("INVALID_TRANSITION", "statusCode")
    assert f"from {state_name(source)} to {target.value}" in refusal.message
