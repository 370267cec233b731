"""The writer under races: a change that loses one is checked again, never applied stale.

A rival change is slipped in between a change's read and its write by wrapping
`ScopedInvoices.update_if`; on both backends the outcome must be the same.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from seeds.fabric import fabric_invoice
from store.client import Database
from store.domain.changes import AttributesUpdate, StatusUpdate
from store.domain.documents import Invoice
from store.domain.enums import InvoiceStatus
from store.domain.refusals import ChangeRefused
from store.invoice_writer import MAX_ATTEMPTS, InvoiceWriter
from store.invoices import InvoiceStore, Scope, ScopedInvoices

Rival = Callable[[str], Awaitable[Any]]


async def stored(database: Database, **fields: Any) -> tuple[ScopedInvoices, Invoice]:
    invoices = InvoiceStore(database).scoped(Scope("demo"))
    record = {"invoiceNumber": "W-1", "invoiceTotal": "1.00", **fields}
    invoice = fabric_invoice(record, "demo")
    await invoices.insert(invoice)
    return invoices, invoice


def race(monkeypatch: pytest.MonkeyPatch, rival: Rival, times: int = 1) -> list[int]:
    """Run `rival` just before each of the next `times` conditional updates; counts the calls."""
    original = ScopedInvoices.update_if
    calls = [0]

    async def racing(self: ScopedInvoices, invoice_id: str, *args: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            monkeypatch.setattr(ScopedInvoices, "update_if", original)  # the rival runs plainly
            await rival(invoice_id)
            monkeypatch.setattr(ScopedInvoices, "update_if", racing)
        return await original(self, invoice_id, *args)

    monkeypatch.setattr(ScopedInvoices, "update_if", racing)
    return calls


async def latest(invoices: ScopedInvoices, invoice: Invoice) -> Invoice:
    found = await invoices.including_deleted().get(invoice.invoiceId)
    assert found is not None
    return found


async def test_status_move_that_lost_the_race_is_checked_against_the_winner(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices, invoice = await stored(database, invoiceStatus="ISSUED")
    rival = InvoiceWriter(invoices, "rival")
    race(
        monkeypatch,
        lambda invoice_id: rival.apply(invoice_id, StatusUpdate(InvoiceStatus.CAPTURED)),
    )

    with pytest.raises(ChangeRefused) as refused:
        await InvoiceWriter(invoices, "voider").apply(
            invoice.invoiceId, StatusUpdate(InvoiceStatus.DELETED)
        )

    [refusal] = refused.value.refusals
    assert refusal.code == "INVALID_TRANSITION"
    assert "from CAPTURED to DELETED" in refusal.message
    after = await latest(invoices, invoice)
    assert (after.invoiceStatus, after.version) == (InvoiceStatus.CAPTURED, 2)


async def test_attribute_change_that_lost_the_race_audits_the_real_previous_value(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices, invoice = await stored(database, attributes={"a": 0})
    rival = InvoiceWriter(invoices, "rival")
    calls = race(
        monkeypatch, lambda invoice_id: rival.apply(invoice_id, AttributesUpdate({"a": 1}, []))
    )

    changed = await InvoiceWriter(invoices, "me").apply(
        invoice.invoiceId, AttributesUpdate({"a": 2}, [])
    )

    assert calls[0] == 2  # missed once, then landed on a fresh read
    assert (changed.attributes, changed.version) == ({"a": 2}, 3)
    audit = [
        entry.updatedFields[0].fieldOriginalValue
        for entry in changed.auditLogs or []
        if entry.updatedFields
    ]
    assert audit == ["0", "1"]


async def test_changes_to_different_things_do_not_conflict(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices, invoice = await stored(database, invoiceStatus="ISSUED")
    rival = InvoiceWriter(invoices, "rival")
    calls = race(
        monkeypatch,
        lambda invoice_id: rival.apply(invoice_id, StatusUpdate(InvoiceStatus.CAPTURED)),
    )

    changed = await InvoiceWriter(invoices, "me").apply(
        invoice.invoiceId, AttributesUpdate({"tag": "x"}, [])
    )

    assert calls[0] == 1
    assert (changed.invoiceStatus, changed.attributes, changed.version) == (
        InvoiceStatus.CAPTURED,
        {"tag": "x"},
        3,
    )


async def test_expected_version_lost_in_a_race_is_a_conflict_with_the_current_version(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices, invoice = await stored(database, attributes={"a": 0})
    rival = InvoiceWriter(invoices, "rival")
    race(monkeypatch, lambda invoice_id: rival.apply(invoice_id, AttributesUpdate({"b": 1}, [])))

    with pytest.raises(ChangeRefused) as refused:
        await InvoiceWriter(invoices, "me").apply(
            invoice.invoiceId, AttributesUpdate({"a": 2}, []), expected_version=1
        )

    [refusal] = refused.value.refusals
    assert (refusal.code, refusal.current_version) == ("VERSION_CONFLICT", 2)
    assert (await latest(invoices, invoice)).attributes == {"a": 0, "b": 1}


async def test_change_that_keeps_losing_gives_up_after_bounded_attempts(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices, invoice = await stored(database, attributes={"a": 0})
    rival = InvoiceWriter(invoices, "rival")
    values = iter(range(1, 100))
    calls = race(
        monkeypatch,
        lambda invoice_id: rival.apply(invoice_id, AttributesUpdate({"a": next(values)}, [])),
        times=MAX_ATTEMPTS,
    )

    with pytest.raises(ChangeRefused) as refused:
        await InvoiceWriter(invoices, "me").apply(
            invoice.invoiceId, AttributesUpdate({"a": -1}, [])
        )

    assert calls[0] == MAX_ATTEMPTS
    assert refused.value.refusals[0].code == "VERSION_CONFLICT"
    after = await latest(invoices, invoice)
    assert (after.attributes, after.version) == ({"a": MAX_ATTEMPTS}, 1 + MAX_ATTEMPTS)
    events = await invoices.events.page(None, 100)
    assert [event.version for event, _ in events] == list(range(2, 2 + MAX_ATTEMPTS))
