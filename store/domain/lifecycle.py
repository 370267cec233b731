"""The invoice state machines: which moves of invoiceStatus and statusCode are allowed, and why.

These tables are the single source of the rules; docs/lifecycle.md mirrors them word for
word (a test compares the two). `None` stands for "no state yet": a new invoice, or a
stored one whose source never gave it that state.
"""

from collections.abc import Mapping

from store.domain.enums import InvoiceStatus, StatusCode
from store.domain.refusals import INVALID_TRANSITION, ChangeRefused, refuse

Status = InvoiceStatus

INVOICE_STATUS_TRANSITIONS: Mapping[InvoiceStatus | None, Mapping[InvoiceStatus, str]] = {
    None: {
        Status.DRAFT: "a new invoice starts as a draft while it is being prepared",
        Status.ISSUED: "an invoice can be recorded as already issued to the customer",
        Status.CAPTURED: "an invoice can be recorded with its payment already captured",
        Status.SETTLED: "an invoice can be recorded with its payment already settled",
        Status.PARTIAL_SETTLED: "an invoice can be recorded with its payment partly settled",
        Status.SETTLE_FAILED: "an invoice can be recorded with its settlement already failed",
        Status.CREDITED: "a return or appeasement invoice can be recorded as already credited",
    },
    Status.DRAFT: {
        Status.ISSUED: "the draft is complete and is issued to the customer",
        Status.DELETED: "a draft that will never be issued is discarded",
    },
    Status.ISSUED: {
        Status.CAPTURED: "the payment for the issued invoice was captured",
        Status.CREDITED: "the issued invoice is cancelled by a credit before any payment",
        Status.DELETED: "an invoice issued in error is voided before any payment was captured",
    },
    Status.CAPTURED: {
        Status.SETTLED: "the captured payment settled in full",
        Status.PARTIAL_SETTLED: "only part of the captured amount has settled so far",
        Status.SETTLE_FAILED: "settlement of the captured payment failed",
        Status.CREDITED: "the captured payment is refunded before it settled",
    },
    Status.PARTIAL_SETTLED: {
        Status.SETTLED: "the rest of the amount settled",
        Status.SETTLE_FAILED: "settlement of the remaining amount failed",
        Status.CREDITED: "the settled part is refunded and the rest released",
    },
    Status.SETTLE_FAILED: {
        Status.CAPTURED: "the payment is captured again to retry the settlement",
        Status.SETTLED: "a retried settlement succeeded in full",
        Status.PARTIAL_SETTLED: "a retried settlement succeeded in part",
        Status.CREDITED: "the settlement is abandoned and the amount credited back",
    },
    Status.SETTLED: {
        Status.CREDITED: "the settled amount is refunded to the customer",
    },
    Status.CREDITED: {},
    Status.DELETED: {},
}
"""invoiceStatus: current state -> {allowed next state: why}."""

STATUS_CODE_TRANSITIONS: Mapping[StatusCode | None, Mapping[StatusCode, str]] = {
    None: {
        StatusCode.POSTED: "an invoice stored without a delivery status has not been posted yet",
    },
    StatusCode.CREATED: {
        StatusCode.POSTED: "the generated invoice is sent on to the merchant's webhook",
    },
    StatusCode.POSTED: {
        StatusCode.ACKNOWLEDGED: "the merchant confirmed that it received the invoice",
    },
    StatusCode.ACKNOWLEDGED: {},
}
"""statusCode: current state -> {allowed next state: why}. invoicePost and invoiceAcknowledge."""

TERMINAL_REASONS: Mapping[InvoiceStatus | StatusCode, str] = {
    Status.CREDITED: "a credited invoice is financially closed",
    Status.DELETED: "a deleted invoice no longer changes",
    StatusCode.ACKNOWLEDGED: "the merchant has already confirmed the invoice",
}
"""Why a state without a way out has none."""

DELIVERY_BLOCKED_BY: Mapping[InvoiceStatus, str] = {
    Status.DRAFT: "a draft is not sent on to the merchant: issue it first",
    Status.DELETED: TERMINAL_REASONS[Status.DELETED],
}
"""invoiceStatus values under which statusCode cannot move, and why."""

INITIAL_INVOICE_STATUS = Status.DRAFT
"""The status of a new invoice that names none."""


def state_name(state: InvoiceStatus | StatusCode | None) -> str:
    return "no status" if state is None else state.value


def _refusal(
    field: str,
    current: InvoiceStatus | StatusCode | None,
    requested: InvoiceStatus | StatusCode,
    allowed: Mapping[InvoiceStatus, str] | Mapping[StatusCode, str],
) -> ChangeRefused:
    move = f"{field} cannot move from {state_name(current)} to {requested.value}"
    if current is not None and current == requested:
        return refuse(INVALID_TRANSITION, f"{move}: it is {current.value} already", field)
    if not allowed:
        reason = TERMINAL_REASONS.get(current) if current is not None else None
        return refuse(
            INVALID_TRANSITION, f"{move}: {state_name(current)} is final ({reason})", field
        )
    choices = ", ".join(sorted(state.value for state in allowed))
    return refuse(
        INVALID_TRANSITION, f"{move}; from {state_name(current)} it can move to {choices}", field
    )


def check_invoice_status_move(current: InvoiceStatus | None, requested: InvoiceStatus) -> str:
    """The reason the move is allowed; ChangeRefused (INVALID_TRANSITION) when it is not."""
    allowed = INVOICE_STATUS_TRANSITIONS[current]
    if requested not in allowed:
        raise _refusal("invoiceStatus", current, requested, allowed)
    return allowed[requested]


def check_status_code_move(
    invoice_status: InvoiceStatus | None, current: StatusCode | None, requested: StatusCode
) -> str:
    """The reason the delivery move is allowed; ChangeRefused when it is not."""
    if invoice_status is not None and invoice_status in DELIVERY_BLOCKED_BY:
        raise refuse(
            INVALID_TRANSITION,
            f"statusCode cannot move from {state_name(current)} to {requested.value} while "
            f"invoiceStatus is {invoice_status.value}: {DELIVERY_BLOCKED_BY[invoice_status]}",
            "statusCode",
        )
    allowed = STATUS_CODE_TRANSITIONS[current]
    if requested not in allowed:
        raise _refusal("statusCode", current, requested, allowed)
    return allowed[requested]


def check_changeable(invoice_status: InvoiceStatus | None) -> None:
    """Refuse any change to a deleted invoice: DELETED is terminal."""
    if invoice_status is Status.DELETED:
        raise refuse(
            INVALID_TRANSITION,
            f"the invoice is DELETED: {TERMINAL_REASONS[Status.DELETED]}",
            "invoiceStatus",
        )
