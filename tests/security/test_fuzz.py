"""Fuzzing the endpoint through the real HTTP server: malformed documents, variables,
headers and bodies. Every answer is below 500, well-formed JSON, and every error has a
message and a code other than INTERNAL_SERVER_ERROR (a masked crash is still a crash).
"""

import asyncio
import json
import string
from collections import Counter
from typing import Any

import orjson
import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.core_schema import core_schema
from graph.http.params import REQUEST_PARAMS
from graph.schema import build_schema
from tests.conftest import GraphQLClient, ServeFactory
from tests.security.tenants import CHANNEL_ONE, EVERY_SPEC, SERVE_KEYS, seed
from tests.security.test_isolation_matrix import READS, WRITES
from tests.security.test_keys_and_scopes import ROOT_FIELD_CALLS

GRAPHQL_SCHEMA = core_schema(build_schema())

EXAMPLES = 600
"""Cases per family; five families run 3,000 requests in all."""

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # One server serves every case of a family: that it survives them all is the point.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RAN: Counter[str] = Counter()

CORPUS = sorted(
    {
        *ROOT_FIELD_CALLS.values(),
        *(document for probes in READS.values() for document, _ in probes),
        *(write.document for write in WRITES.values()),
    }
)
"""Valid documents touching every root field, to be broken."""


def _schema_names() -> tuple[list[str], list[str], list[str], list[str]]:
    fields, arguments, types, enums = set(), set(), set(), set()
    for name, kind in GRAPHQL_SCHEMA.type_map.items():
        types.add(name)
        if isinstance(kind, GraphQLObjectType):
            for field_name, field in kind.fields.items():
                fields.add(field_name)
                arguments.update(field.args)
        elif isinstance(kind, GraphQLInputObjectType):
            arguments.update(kind.fields)
        elif isinstance(kind, GraphQLEnumType):
            enums.update(kind.values)
    return sorted(fields), sorted(arguments), sorted(types), sorted(enums)


FIELDS, ARGUMENTS, TYPES, ENUMS = _schema_names()
KEYS = ["acme-all-key", "globex-all-key", "acme-reader-key", "demo-writer-key", "not-a-key", ""]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

names = st.sampled_from(FIELDS) | st.sampled_from(["__typename", "__schema", "__type", "nope"])
literals = st.recursive(
    st.integers(min_value=-(2**40), max_value=2**40).map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    | st.text(max_size=12).map(json.dumps)
    | st.sampled_from(["true", "false", "null", "$v", "$first", "$id", *ENUMS]),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda items: f"[{' '.join(items)}]")
        | st.lists(st.tuples(st.sampled_from(ARGUMENTS), inner), max_size=3).map(
            lambda pairs: "{" + " ".join(f"{k}: {v}" for k, v in pairs) + "}"
        )
    ),
    max_leaves=6,
)
arguments = st.lists(st.tuples(st.sampled_from(ARGUMENTS), literals), max_size=3).map(
    lambda pairs: f"({', '.join(f'{k}: {v}' for k, v in pairs)})" if pairs else ""
)


def _field(parts: tuple[str | None, str, str, str]) -> str:
    alias, name, args, selection = parts
    return f"{alias + ': ' if alias else ''}{name}{args}{selection}"


selections = st.recursive(
    st.tuples(st.none() | st.sampled_from(["a", "b"]), names, arguments, st.just("")).map(_field),
    lambda inner: st.one_of(
        st.tuples(
            st.none() | st.sampled_from(["a", "b"]),
            names,
            arguments,
            st.lists(inner, min_size=1, max_size=4).map(lambda s: " { " + " ".join(s) + " }"),
        ).map(_field),
        st.tuples(st.sampled_from(TYPES), st.lists(inner, min_size=1, max_size=3)).map(
            lambda pair: f"... on {pair[0]} {{ {' '.join(pair[1])} }}"
        ),
        st.just("...F"),
    ),
    max_leaves=10,
)
operations = st.tuples(
    st.sampled_from(["", "query", "mutation", "subscription", "query Q($v: Int, $id: ID!)"]),
    st.lists(selections, min_size=1, max_size=4),
    st.sampled_from(["", "fragment F on Invoice { invoiceId ...F }", "fragment F on Query { a }"]),
).map(lambda parts: f"{parts[0]} {{ {' '.join(parts[1])} }} {parts[2]}")


@st.composite
def broken(draw: st.DrawFn) -> str:
    """A valid document with a slice cut, doubled or replaced."""
    text = draw(st.sampled_from(CORPUS))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 40)))
    insert = draw(st.text(alphabet='{}()[]:$@!."\\ \n#' + string.ascii_letters, max_size=10))
    how = draw(st.sampled_from(["cut", "double", "replace"]))
    if how == "cut":
        return text[:start] + text[end:]
    if how == "double":
        return text[:end] + text[start:end] * draw(st.integers(2, 50)) + text[end:]
    return text[:start] + insert + text[end:]


documents = (
    operations
    | broken()
    | st.text(alphabet='{}()[]:$@!.,=|&"\\ \n#_0123456789' + string.ascii_letters, max_size=200)
    | st.text(max_size=100)
)


def check(status: int, raw: bytes) -> None:
    """Below 500, JSON, and every error with a message and a code that is not a crash."""
    assert status < 500, raw[:500]
    body = orjson.loads(raw)
    assert isinstance(body, dict), body
    assert "errors" in body or "data" in body, body
    for error in body.get("errors") or ():
        assert isinstance(error["message"], str), error
        assert error["message"], error
        code = error["extensions"]["code"]
        assert isinstance(code, str), error
        assert code != "INTERNAL_SERVER_ERROR", error


@pytest.fixture
async def fuzz_client(serve: ServeFactory) -> GraphQLClient:
    client = await serve(api_keys=SERVE_KEYS)
    await seed(client, "acme", EVERY_SPEC)
    await seed(client, "globex", CHANNEL_ONE)
    client.key = "acme-all-key"
    return client


async def post_raw(
    client: GraphQLClient, data: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    headers = headers if headers is not None else {**client.headers()}
    headers.setdefault("Content-Type", "application/json")
    response = await client.http.post("/graphql", data=data, headers=headers)
    return response.status, await response.read()


@FUZZ_SETTINGS
@given(document=documents, method=st.sampled_from(["POST", "GET"]))
async def test_fuzz_documents(fuzz_client: GraphQLClient, document: str, method: str) -> None:
    RAN["documents"] += 1
    if method == "POST":
        status, raw = await post_raw(fuzz_client, orjson.dumps({"query": document}))
    else:
        response = await fuzz_client.http.get(
            "/graphql", params={"query": document}, headers=fuzz_client.headers()
        )
        status, raw = response.status, await response.read()
    check(status, raw)


VARIABLE_DOCUMENTS = [document for document in CORPUS if "$" in document] + [
    "query($v: [[Int!]]!, $w: InvoiceSort) { invoices(first: 1) { totalCount } }",
    "query($after: String, $first: Int) { invoiceEvents(after: $after, first: $first) "
    "{ edges { cursor } } }",
    "query($after: String, $before: String) { invoices(after: $after, before: $before) "
    "{ totalCount edges { cursor } } }",
]


@FUZZ_SETTINGS
@given(
    document=st.sampled_from(VARIABLE_DOCUMENTS),
    variables=st.dictionaries(
        st.sampled_from(
            ["id", "number", "filter", "sort", "first", "last", "after", "before", "input"]
            + ["records", "attributes", "v", "w", "x"]
        ),
        json_values,
        max_size=4,
    ),
)
async def test_fuzz_variables(
    fuzz_client: GraphQLClient, document: str, variables: dict[str, Any]
) -> None:
    RAN["variables"] += 1
    # json, not orjson: integers beyond 64 bits must reach the server too.
    body = json.dumps({"query": document, "variables": variables}).encode()
    status, raw = await post_raw(fuzz_client, body)
    check(status, raw)


header_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40
)
site_contexts = st.one_of(
    header_text,
    st.fixed_dictionaries(
        {},
        optional={
            "account": st.sampled_from(["acme", "globex", ""]) | json_values,
            "channel": st.sampled_from([1, "1", 2, "2", -1, True, 1.5, "x y"]) | json_values,
            "stage": json_values,
        },
    ).map(json.dumps),
)


@FUZZ_SETTINGS
@given(
    authorization=st.one_of(
        st.sampled_from(KEYS).map(lambda key: f"Bearer {key}"),
        st.tuples(st.sampled_from(["Bearer", "bearer", "Basic", "Token", ""]), header_text).map(
            " ".join
        ),
        st.none(),
    ),
    site_context=st.none() | site_contexts,
    accept=st.none()
    | st.sampled_from(
        [
            "application/json",
            "application/graphql-response+json",
            "*/*",
            "application/graphql-response+json;q=0.5, application/json;q=0.9",
            "application/json;q=x",
        ]
    )
    | header_text,
    content_type=st.none()
    | st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"])
    | header_text,
    document=st.sampled_from(CORPUS),
)
async def test_fuzz_headers(
    fuzz_client: GraphQLClient,
    authorization: str | None,
    site_context: str | None,
    accept: str | None,
    content_type: str | None,
    document: str,
) -> None:
    RAN["headers"] += 1
    headers = {
        name: value
        for name, value in {
            "Authorization": authorization,
            "x-site-context": site_context,
            "Accept": accept,
            "Content-Type": content_type or "",
        }.items()
        if value is not None
    }
    if "text/html" in headers.get("Accept", ""):
        headers["Accept"] = "application/json"  # an HTML page is GraphiQL's answer, not JSON
    status, raw = await post_raw(fuzz_client, orjson.dumps({"query": document}), headers)
    if status == 406:
        assert raw  # answered in JSON all the same
    check(status, raw)


request_params = st.dictionaries(
    st.sampled_from(sorted(REQUEST_PARAMS)) | st.text(max_size=8),
    json_values
    | st.fixed_dictionaries(
        {"persistedQuery": st.fixed_dictionaries({}, optional={"version": json_values})}
    )
    | st.sampled_from(CORPUS),
    max_size=5,
)


@FUZZ_SETTINGS
@given(
    body=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda value: json.dumps(value).encode()),
        request_params.map(lambda value: json.dumps(value).encode()),
        st.lists(request_params, max_size=3).map(lambda value: json.dumps(value).encode()),
    ),
    method=st.sampled_from(["POST", "GET"]),
)
async def test_fuzz_bodies(fuzz_client: GraphQLClient, body: bytes, method: str) -> None:
    RAN["bodies"] += 1
    if method == "POST":
        status, raw = await post_raw(fuzz_client, body)
    else:
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = {"query": body.decode("utf-8", "replace")}
        params = {
            str(name): value if isinstance(value, str) else json.dumps(value)
            for name, value in (decoded.items() if isinstance(decoded, dict) else [])
        }
        response = await fuzz_client.http.get(
            "/graphql", params=params, headers=fuzz_client.headers()
        )
        status, raw = response.status, await response.read()
    check(status, raw)


@FUZZ_SETTINGS
@given(
    authorization=st.binary(min_size=1, max_size=40).map(
        lambda raw: bytes(b for b in raw if b >= 0x20 and b != 0x7F)
    ),
    site_context=st.binary(max_size=40).map(
        lambda raw: bytes(b for b in raw if b >= 0x20 and b != 0x7F)
    ),
)
async def test_fuzz_raw_header_bytes(
    fuzz_client: GraphQLClient, authorization: bytes, site_context: bytes
) -> None:
    """Header bytes that are not UTF-8, which no well-behaved client library sends."""
    RAN["raw headers"] += 1
    body = b'{"query": "{ invoices { totalCount } }"}'
    server = fuzz_client.http.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + authorization + b"\r\n"
        b"x-site-context: " + site_context + b"\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, raw = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    check(status, raw)
