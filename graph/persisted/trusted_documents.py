"""Trusted documents: read an Apollo persisted-query manifest and mark its operations trusted.

The manifest is checked whole before anything is stored: each id must be the SHA-256
of its body, and each body must be a valid operation of the current schema, so an
operator learns at start-up, not from a partner's failing call, that an entry is wrong.
"""

from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, parse, validate

from graph.persisted.requests import sha256_hex
from store.persisted_documents import TrustedDocument

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
MANIFEST_VERSION = 1
OPERATION_TYPES = ("query", "mutation", "subscription")


class ManifestError(ValueError):
    """The manifest cannot be used; the message names the file and the entry."""


def read_manifest(path: Path, schema: GraphQLSchema) -> list[TrustedDocument]:
    """The manifest's operations, each checked against `schema`; raises ManifestError on the
    first bad entry."""
    try:
        manifest = orjson.loads(path.read_bytes())
    except OSError as error:
        raise ManifestError(f"{path}: cannot read the manifest: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise ManifestError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{path}: 'format' must be {MANIFEST_FORMAT!r}")
    if manifest.get("version") != MANIFEST_VERSION:
        raise ManifestError(f"{path}: unsupported manifest version {manifest.get('version')!r}")
    operations = manifest.get("operations")
    if not isinstance(operations, list):
        raise ManifestError(f"{path}: 'operations' must be a list")
    documents: dict[str, TrustedDocument] = {}
    for index, operation in enumerate(operations):
        document = _checked_operation(operation, f"{path}: operations[{index}]", schema)
        documents.setdefault(document.sha256, document)
    return list(documents.values())


def _checked_operation(operation: Any, where: str, schema: GraphQLSchema) -> TrustedDocument:
    if not isinstance(operation, dict):
        raise ManifestError(f"{where}: each operation must be an object")
    identifier, body = operation.get("id"), operation.get("body")
    name, kind = operation.get("name"), operation.get("type")
    if not isinstance(body, str) or not body.strip():
        raise ManifestError(f"{where}: 'body' must be the operation's text")
    if name is not None and not isinstance(name, str):
        raise ManifestError(f"{where}: 'name' must be a string")
    where = f"{where} ({name})" if name else where
    if kind not in OPERATION_TYPES:
        raise ManifestError(f"{where}: 'type' must be one of {', '.join(OPERATION_TYPES)}")
    actual = sha256_hex(body)
    if identifier != actual:
        raise ManifestError(
            f"{where}: 'id' {identifier!r} is not the SHA-256 of its body ({actual})"
        )
    try:
        errors = validate(schema, parse(body))
    except GraphQLError as error:
        raise ManifestError(f"{where}: the body does not parse: {error.message}") from None
    if errors:
        raise ManifestError(f"{where}: not valid for this schema: {errors[0].message}")
    return TrustedDocument(sha256=actual, body=body, name=name, operation_type=kind)
