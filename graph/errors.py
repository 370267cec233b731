"""Errors a client can act on, each with a stable `extensions.code`."""

from typing import Any, Literal

from graphql import GraphQLError


class HTTPProblem(Exception):
    """A request refused (or answered) before execution, with a status and one error: the
    endpoint answers it without running anything (graph/http/, graph/persisted/)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class ClientError(GraphQLError):
    """An expected failure, reported with a code and never logged as a crash."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(ClientError):
    """An argument is invalid; the message names it."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"Invalid argument '{argument}': {reason}", argument=argument)


class QueryTimeout(ClientError):
    """Execution passed the request's time budget and was stopped (graph/http/view.py)."""

    code = "QUERY_TIMEOUT"


class SumOutOfRange(ClientError):
    """A summary's sum does not fit the store's exact 64-bit arithmetic."""

    code = "SUM_OUT_OF_RANGE"


INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
"""The code of a failure nothing expected (a bug): logged with its id, answered without detail."""


def internal_server_error(error_id: str, kind: Literal["error", "request"]) -> dict[str, Any]:
    """The answer's error for a crash: no stack trace, an id to find the log line by."""
    return {
        "message": f"Internal server error ({kind} id {error_id}).",
        "extensions": {"code": INTERNAL_SERVER_ERROR, f"{kind}Id": error_id},
    }


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
"""The code of errors caused by a store that could not answer: the same request may work later."""

RETRY_AFTER_SECONDS = 1
"""What 503 answers suggest in `Retry-After`: the database's own failover takes seconds."""


def service_unavailable_message(reason: str) -> str:
    return f"The invoice store is unavailable ({reason}). Retry the request later."
