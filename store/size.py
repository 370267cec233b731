"""Caps on what one invoice may hold, checked before a write (docs/security.md).

MongoDB refuses a document over 16 MiB when it is written, after the work and for the
whole batch; the embedded store accepts it. Here every write is checked first, against a
cap that leaves room for the audit entries later changes add.
"""

from collections.abc import Mapping
from typing import Any

import bson

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
"""An invoice's most BSON bytes: half of MongoDB's 16 MiB."""
MAX_TEXT_LENGTH = 10_000
"""The most characters of a text field of the fabric model (attributes excepted)."""
MAX_IDENTIFIER_LENGTH = 256
"""The most characters of an identifier that an index keys on (invoiceId, invoiceNumber)."""


IDENTIFIERS = frozenset({"invoiceId", "invoiceNumber"})


def length_problems(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path, reason) for every text of the document over its cap (attributes excepted:
    free-form, bounded by the document's size)."""
    problems: list[tuple[str, str]] = []

    def visit(value: Any, path: str, key: str) -> None:
        if isinstance(value, str):
            identifier = key in IDENTIFIERS and path == key  # the invoice's own, top level
            cap = MAX_IDENTIFIER_LENGTH if identifier else MAX_TEXT_LENGTH
            if len(value) > cap:
                problems.append((path, f"{path} holds {len(value)} characters; at most {cap}"))
        elif isinstance(value, Mapping):
            for name, item in value.items():
                if name != "attributes":
                    visit(item, f"{path}.{name}" if path else str(name), str(name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, f"{path}[{index}]", key)

    visit(document, "", "")
    return problems


def document_bytes(document: Mapping[str, Any]) -> int:
    """The BSON size of a document (which the caller knows BSON can hold)."""
    return len(bson.encode(document))


def too_large(size: int) -> str:
    return (
        f"the invoice would hold {size} bytes, over the {MAX_DOCUMENT_BYTES} an invoice may "
        "hold: keep large values elsewhere"
    )
