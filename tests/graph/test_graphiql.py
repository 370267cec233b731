"""The GraphiQL page and its assets, served by this server; the example operations it opens with."""

import json
import re
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from graph.core_schema import core_schema
from graph.http.graphiql import ASSETS
from graph.http.graphiql_examples import EXAMPLE_HEADERS, EXAMPLE_OPERATIONS, ExampleOperation
from graph.schema import build_schema
from seeds.ingest import ingest_records
from seeds.sources import read_records
from store.invoices import Scope
from tests.conftest import ServeFactory
from tests.graph.node_scripts import NODE_MODULES

GRAPHQL_SCHEMA = core_schema(build_schema())

EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "data" / "fabric-example.json"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def operation_name(example: ExampleOperation) -> str:
    [operation] = [
        d for d in parse(example.document).definitions if isinstance(d, OperationDefinitionNode)
    ]
    assert operation.name is not None
    return operation.name.value


@pytest.mark.parametrize("example", EXAMPLE_OPERATIONS, ids=operation_name)
def test_example_is_valid_for_current_schema(example: ExampleOperation) -> None:
    assert [error.message for error in validate(GRAPHQL_SCHEMA, parse(example.document))] == []


def test_examples_cover_each_main_use() -> None:
    uses = {example.use.split(":")[0] for example in EXAMPLE_OPERATIONS}
    assert {"look up", "search", "related invoices", "summary", "a mutation"} <= uses
    names = [operation_name(example) for example in EXAMPLE_OPERATIONS]
    assert len(set(names)) == len(names)  # tab titles tell the examples apart


async def test_examples_run_without_errors_on_the_reference_invoice(serve: ServeFactory) -> None:
    client = await serve()
    report = await ingest_records(read_records(EXAMPLE), client.invoices.scoped(Scope("demo")))
    assert report.stored == 1
    for example in EXAMPLE_OPERATIONS:
        data = await client.data(example.document, example.variables)
        payloads = [value for value in data.values() if isinstance(value, dict)]
        assert all(payload.get("errors", []) == [] for payload in payloads), data
        assert all(value is not None for value in data.values()), (operation_name(example), data)


async def test_page_prefills_example_tabs_and_headers(serve: ServeFactory) -> None:
    client = await serve()
    response = await client.http.get("/graphql", headers=HTML)  # no key needed for the page
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == [
        "/graphiql/react.production.min.js",
        "/graphiql/react-dom.production.min.js",
        "/graphiql/graphiql.min.js",
    ]
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page))  # nothing remote
    embedded = re.search(r'id="graphiql-config"[^>]*>(.*?)</script>', page, re.S)
    assert embedded is not None
    config = json.loads(embedded[1])
    assert [tab["query"] for tab in config["tabs"]] == [e.document for e in EXAMPLE_OPERATIONS]
    assert {json.dumps(json.loads(tab["headers"])) for tab in config["tabs"]} == {
        json.dumps(EXAMPLE_HEADERS)
    }
    assert json.loads(config["tabs"][0]["variables"]) == EXAMPLE_OPERATIONS[0].variables
    assert config["defaultHeaders"] == {"Authorization": "Bearer demo-key"}


async def test_assets_are_served_from_node_modules(serve: ServeFactory) -> None:
    client = await serve()
    for name, relative in ASSETS.items():
        response = await client.http.get(f"/graphiql/{name}")
        assert response.status == 200, name
        assert await response.read() == (NODE_MODULES / relative).read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=3600, must-revalidate"
        assert "ETag" in response.headers
    assert (await client.http.get("/graphiql/graphiql.min.js")).content_type.endswith("javascript")
    assert (await client.http.get("/graphiql/graphiql.min.css")).content_type == "text/css"


@pytest.mark.parametrize("name", ["index.js", "..%2Fpackage.json", "graphiql%2Fpackage.json"])
async def test_other_files_are_404(serve: ServeFactory, name: str) -> None:
    client = await serve()
    response = await client.http.get(f"/graphiql/{name}")
    assert response.status == 404


async def test_page_without_installed_assets_explains_npm_ci(
    serve: ServeFactory, tmp_path: Path
) -> None:
    client = await serve(node_modules=tmp_path)
    response = await client.http.get("/graphql", headers=HTML)
    assert response.status == 200
    page = await response.text()
    assert "npm ci" in page
    assert "<script" not in page
    assert (await client.http.get("/graphiql/graphiql.min.js")).status == 404
