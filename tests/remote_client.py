"""A GraphQL client for a server in another process, over a real aiohttp connection pool."""

from dataclasses import dataclass
from typing import Any

import aiohttp

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One response: status, media type, body, and the error codes in it."""

    status: int
    media_type: str
    body: dict[str, Any]

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.body.get("errors", [])]

    @property
    def ok(self) -> bool:
        return self.status == 200 and "errors" not in self.body and "data" in self.body


@dataclass
class RemoteGraphQL:
    """Posts documents to `url`/graphql with a bearer key."""

    session: aiohttp.ClientSession
    url: str
    key: str

    async def post(
        self,
        query: str | None,
        variables: dict[str, Any] | None = None,
        accept: str = JSON,
        request_id: str | None = None,
        **extra: Any,
    ) -> Answer:
        body = {"query": query, "variables": variables, **extra}
        headers = {"Authorization": f"Bearer {self.key}", "Accept": accept}
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        async with self.session.post(f"{self.url}/graphql", json=body, headers=headers) as answer:
            return Answer(answer.status, answer.content_type, await answer.json(content_type=None))

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a successful answer (fails on any error)."""
        answer = await self.post(query, variables)
        assert answer.ok, answer
        data: dict[str, Any] = answer.body["data"]
        return data

    async def status_of(self, path: str) -> int:
        async with self.session.get(f"{self.url}{path}") as answer:
            await answer.read()
            return answer.status
