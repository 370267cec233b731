"""Values as messages show them: the way a client wrote them in JSON, never a Python repr."""

from datetime import datetime
from decimal import Decimal

import orjson

MAX_SHOWN = 80
"""Characters of a value a message repeats; a longer one is cut (the client has it)."""


def shown(value: object) -> str:
    """'50.0000001' for Decimal('50.0000001'), '"abc"' for 'abc', '2024-01-01T00:00:00+00:00'."""
    if isinstance(value, Decimal):
        text = str(value)  # its digits (E-notation when the exponent is large, as sent)
    elif isinstance(value, float):
        text = repr(value)  # orjson would write inf and nan as null
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        try:
            text = orjson.dumps(value).decode()
        except TypeError:
            text = type(value).__name__
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 1]}…"
