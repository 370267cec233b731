"""What the GraphQL endpoint learned about one request, for the request log and metrics.

The endpoint fills the `RequestRecord` kept on the aiohttp request; the request middleware
(invoicegraph/observability.py) creates it first, then logs and counts it. Without the
middleware the endpoint makes its own and nothing reads it.
"""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiohttp import web
from graphql import DocumentNode, OperationDefinitionNode

from graph.errors import INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE

ANONYMOUS = "anonymous"
"""The operation name of a document whose only operation has no name."""

UNKNOWN = "unknown"
"""The operation name when the request never named a runnable operation."""


class Outcome(StrEnum):
    """How a GraphQL request ended; a small fixed set, fit for a metric label."""

    OK = "ok"
    ERRORS = "errors"  # ran, and some fields failed
    REQUEST_ERROR = "request_error"  # did not parse or validate: nothing ran
    REFUSED = "refused"  # refused before reading the document (key, body, persisted id)
    UNAVAILABLE = "unavailable"  # the store could not answer
    INTERNAL_ERROR = "internal_error"


@dataclass
class RequestRecord:
    """One request as the endpoint saw it. Holds the key's name and account, never the key."""

    request_id: str
    operation: str = UNKNOWN
    outcome: Outcome | None = None
    """None until the GraphQL endpoint answered (other routes leave it so)."""
    key_name: str | None = None
    account: str | None = None
    refusal: str | None = None
    """The code of the error that stopped the request before execution."""
    error_codes: list[str] = field(default_factory=list)
    cost: Any = None
    """The query cost the response reports in `extensions.cost`, once costs are computed."""

    def identify(self, key_name: str, account: str) -> None:
        self.key_name, self.account = key_name, account

    def refused(self, code: str) -> None:
        """The endpoint answered with a refusal (HTTPProblem) before running anything."""
        unavailable = code == SERVICE_UNAVAILABLE
        self.outcome = Outcome.UNAVAILABLE if unavailable else Outcome.REFUSED
        self.refusal = None if unavailable else code
        self.error_codes = [code]

    def answered(
        self,
        document: DocumentNode | None,
        operation_name: str | None,
        body: dict[str, Any],
        request_error: bool,
    ) -> None:
        """The endpoint ran (or tried to run) `document` and answers with `body`.

        `document` is what the execution parsed (None when it did not parse or was refused
        unparsed): parsing here again would cost a refused token bomb its whole parse.
        """
        self.operation = operation_of(document, operation_name)
        self.error_codes = [_code(error) for error in body.get("errors", ())]
        self.cost = (body.get("extensions") or {}).get("cost")
        if request_error:
            self.outcome = Outcome.REQUEST_ERROR
            self.refusal = self.error_codes[0] if self.error_codes else None
        elif SERVICE_UNAVAILABLE in self.error_codes:
            self.outcome = Outcome.UNAVAILABLE
        elif INTERNAL_SERVER_ERROR in self.error_codes:
            self.outcome = Outcome.INTERNAL_ERROR
        elif self.error_codes:
            self.outcome = Outcome.ERRORS
        else:
            self.outcome = Outcome.OK


REQUEST_RECORD = web.RequestKey("request_record", RequestRecord)


def request_record(request: web.Request) -> RequestRecord:
    """The record of this request, made on first use."""
    record = request.get(REQUEST_RECORD)
    if record is None:
        record = RequestRecord(request_id=uuid.uuid4().hex)
        request[REQUEST_RECORD] = record
    return record


def _code(error: dict[str, Any]) -> str:
    code = (error.get("extensions") or {}).get("code")
    return str(code) if code else INTERNAL_SERVER_ERROR


def operation_of(document: DocumentNode | None, requested: str | None) -> str:
    """The operation a request runs: the one it names if the document has it, else the only one."""
    if document is None:
        return UNKNOWN
    names = [
        definition.name.value if definition.name else ANONYMOUS
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if requested:
        return requested if requested in names else UNKNOWN
    return names[0] if len(names) == 1 else UNKNOWN
