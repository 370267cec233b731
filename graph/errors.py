"""Errors a client can act on, each with a stable `extensions.code`."""

from typing import Any

from graphql import GraphQLError


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


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
"""The code of errors caused by a store that could not answer: the same request may work later."""

RETRY_AFTER_SECONDS = 1
"""What 503 answers suggest in `Retry-After`: the database's own failover takes seconds."""


def service_unavailable_message(reason: str) -> str:
    return f"The invoice store is unavailable ({reason}). Retry the request later."
