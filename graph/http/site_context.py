"""The `x-site-context` header (fabric's): it may narrow a request, never widen it.

`{"account": "...", "channel": 12, "stage": "production"}`: the account comes from the
API key, so a header naming another account is refused (403); a channel narrows every
read and write of the request to that channel; a malformed header is a 400.
"""

import re
from typing import Any

import orjson

from graph.errors import HTTPProblem
from store.invoices import Scope
from store.keys import ApiKey

HEADER = "x-site-context"
CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
TEXT_FIELDS = ("account", "stage", "date")
"""fabric's text attributes. `stage` and `date` do not change an answer here, but a client
sending fabric's header sends them too: they are accepted, and refused only if not text."""
EXAMPLE = '{"account": "<your account>", "channel": 12, "stage": "production"}'


def _malformed(reason: str) -> HTTPProblem:
    return HTTPProblem(
        400, "BAD_SITE_CONTEXT", f"Malformed {HEADER} header: {reason}. Send e.g. {EXAMPLE}."
    )


def _channel(value: Any) -> str | None:
    """A channel id as stored (text); fabric sends numbers, so both are accepted."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and CHANNEL.match(value):
        return value
    raise _malformed(
        "'channel' must be a non-negative integer or a channel id of up to 64 letters, "
        "digits, '.', '_', ':' or '-'"
    )


def request_scope(header: str | None, api_key: ApiKey) -> Scope:
    """The scope of a request: the key's account, narrowed to the header's channel if any."""
    if header is None or not header.strip():
        return Scope(account=api_key.account)
    try:
        context = orjson.loads(header)
    except orjson.JSONDecodeError:
        raise _malformed("it is not valid JSON") from None
    if not isinstance(context, dict):
        raise _malformed("it must be a JSON object")
    for name in TEXT_FIELDS:
        if name in context and not isinstance(context[name], str | None):
            raise _malformed(f"'{name}' must be a string")
    account = context.get("account")
    if account is not None and account != api_key.account:
        raise HTTPProblem(
            403,
            "FORBIDDEN",
            f"The {HEADER} account is not the account of this API key: a key acts for its "
            "own account only. Leave 'account' out, or name the key's account.",
        )
    return Scope(account=api_key.account, channel=_channel(context.get("channel")))
