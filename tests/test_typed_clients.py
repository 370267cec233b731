"""Typed clients for frontend apps: GraphQL Code Generator on the committed schema, then tsc.

The committed codegen.yml runs as a frontend developer runs it, on a copy of the repository's
schema.graphql and examples/ in a temporary directory (so nothing is written here); tsc then
checks the example against the generated result types, and a field the schema does not have
must fail that check.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.graph.node_scripts import NODE_MODULES, ROOT, require_node_packages

TOOL_SECONDS = 180
WRONG_FIELD = """\
import type { InvoicePageQuery } from "./generated/graphql";

export const wrong = (page: InvoicePageQuery): string =>
  page.invoices.edges[0]!.node.invoiceNumbr;
"""


def run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NODE_MODULES / ".bin" / tool), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the schema, codegen.yml and examples/, with examples/generated/ written."""
    require_node_packages()
    project = tmp_path_factory.mktemp("frontend")
    for name in ("schema.graphql", "codegen.yml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "examples", project / "examples", ignore=shutil.ignore_patterns("generated")
    )
    (project / "node_modules").symlink_to(NODE_MODULES)  # the packages `npm ci` installed
    result = run("graphql-codegen", "--config", "codegen.yml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "examples"


def test_codegen_writes_typed_documents_for_every_example_operation(generated: Path) -> None:
    types = (generated / "generated" / "graphql.ts").read_text()
    for operation in sorted((generated / "operations").glob("*.graphql")):
        name = next(
            line.split()[1].split("(")[0]
            for line in operation.read_text().splitlines()
            if line.startswith(("query ", "mutation "))
        )
        assert f"export const {name}Document" in types, operation.name
    # Money is the exact decimal text, as the Decimal scalar serializes it.
    assert "invoiceTotal: string" in types


def test_example_type_checks_against_the_generated_result_types(generated: Path) -> None:
    result = run("tsc", "-p", str(generated), cwd=generated)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_field_the_schema_lacks_fails_the_type_check(generated: Path) -> None:
    wrong = generated / "wrong-field.ts"
    wrong.write_text(WRONG_FIELD)
    try:
        result = run("tsc", "-p", str(generated), cwd=generated)
    finally:
        wrong.unlink()
    assert result.returncode != 0
    assert "Property 'invoiceNumbr' does not exist" in result.stdout
