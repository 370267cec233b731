"""What a newer source record changes in a stored invoice: the merged document and the diff.

The source decides every field but the invoice's identity, its audit trail and version,
the lifecycle fields only this API sets, and attribute keys set through the API
(docs/ingest.md).
"""

from collections.abc import Mapping
from typing import Any

import orjson

from store.client import Document
from store.search_keys import COMPANIONS

LIFECYCLE_FIELDS = ("statusCode", "postedAt", "acknowledgedAt")
"""Set by this API's lifecycle (invoicePost, invoiceAcknowledge), never by a source record."""

BOOKKEEPING = frozenset({"version", "auditLogs"})
"""Fields a source update maintains itself instead of comparing them."""


def merged(current: Document, incoming: Document) -> Document:
    """The incoming document as an update of the current one.

    The source decides every field except the invoice's identity, its lifecycle fields
    and the attribute keys it does not send (those were set through the API).
    """
    document = {key: value for key, value in incoming.items() if key not in BOOKKEEPING}
    document["invoiceId"] = current["invoiceId"]
    for name in LIFECYCLE_FIELDS:
        document.pop(name, None)
        if name in current:
            document[name] = current[name]
    # Keys named after the source system are its mapper's: they follow the new record
    # (present or not); other keys not in the record were set through the API and stay.
    system = incoming["source"]["system"]
    kept = {
        key: value
        for key, value in (current.get("attributes") or {}).items()
        if not key.startswith(system)
    }
    attributes = {**kept, **(incoming.get("attributes") or {})}
    if attributes:
        document["attributes"] = attributes
    for key, value in current.items():
        if key.startswith("_") and key not in COMPANIONS:
            document[key] = value  # internal keys (`_id`, clocks) belong to the store
    return document


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted path -> previous value of every field that differs (internal keys ignored)."""
    changes: dict[str, Any] = {}
    for key in dict.fromkeys([*before, *after]):
        if key.startswith("_") or key in BOOKKEEPING:
            continue
        _diff(key, before.get(key), after.get(key), changes)
    return changes


def _diff(path: str, before: Any, after: Any, changes: dict[str, Any]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            _diff(f"{path}.{key}", before.get(key), after.get(key), changes)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _diff(f"{path}.{index}", old, new, changes)
    else:
        changes[path] = before


def audit_text(value: Any) -> str | None:
    """A previous value as audit text: text as is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()
