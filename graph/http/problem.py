"""A request the endpoint answers without executing it: a status, one error and its code."""


class HTTPProblem(Exception):
    """A request refused (or answered) before execution, with a status and one error."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}
