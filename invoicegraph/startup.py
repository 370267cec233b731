"""Start-up checks: each configuration or start-up mistake becomes one line and exit status 2.

Every check runs before the slow work (demo data, indexes), so a mistake is reported at once:
settings from the environment, keys and their scopes, the listening socket, the database.
"""

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from invoicegraph.settings import Settings
from store.client import (
    Database,
    InvalidDatabaseUri,
    StoreUnavailable,
    database_hosts,
    open_database,
)
from store.indexes import ensure_indexes

log = logging.getLogger("invoicegraph")

EXIT_CONFIGURATION = 2
"""The exit status of a command that cannot start: a usage or configuration mistake."""

ENVIRONMENT_NAMES = {"mongodb_uri": "MONGODB_URI"}
"""Settings read from a variable without the INVOICEGRAPH_ prefix."""

HINTS = {
    "api_keys": 'give a JSON array of {"key", "account", "scopes"}: keys of at least 8 '
    "characters, scopes among admin, ingest, persisted-only, read, write (README: Keys and "
    "scopes)",
}


class ConfigurationError(Exception):
    """A mistake the operator must fix; the message says what is wrong and how to fix it."""


def environment_name(field: str) -> str:
    return ENVIRONMENT_NAMES.get(field, f"INVOICEGRAPH_{field.upper()}")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and `overrides`); ConfigurationError names the variable."""
    try:
        return Settings(**overrides)
    except SettingsError as error:
        raise ConfigurationError(_describe_settings_error(error)) from None
    except ValidationError as error:
        raise ConfigurationError(_describe_validation_error(error)) from None


def _describe_settings_error(error: SettingsError) -> str:
    # pydantic-settings: 'error parsing value for field "api_keys" from source ...'
    field = str(error).split('"')[1] if str(error).count('"') >= 2 else ""
    cause = error.__cause__
    what = f"is not valid JSON ({cause})" if isinstance(cause, ValueError) else f"({error})"
    hint = HINTS.get(field, "give a JSON value")
    return f"{environment_name(field)} {what}: {hint}"


def _describe_validation_error(error: ValidationError) -> str:
    problems = []
    fields = []
    for item in error.errors(include_url=False):
        field, *path = [str(part) for part in item["loc"]] or ["settings"]
        fields.append(field)
        where = _entry_path(field, path)
        given = item.get("input")
        shown = f"={given!r}" if not path and isinstance(given, str | int | float) else ""
        problems.append(f"{where}{shown}: {_message(item)}")
    hints = [HINTS[field] for field in dict.fromkeys(fields) if field in HINTS]
    return "; ".join(problems) + (f" ({'; '.join(hints)})" if hints else "")


def _entry_path(field: str, path: list[str]) -> str:
    """INVOICEGRAPH_API_KEYS entry 2 'key', from the location ('api_keys', 1, 'key')."""
    where = environment_name(field)
    if path and path[0].isdigit():
        where += f" entry {int(path[0]) + 1}"
        path = path[1:]
    return where + (f" {'.'.join(path)!r}" if path else "")


def _message(item: Any) -> str:
    message = str(item["msg"])
    if item["type"] == "bool_parsing":
        return "not a boolean: use true or false"
    return message.removeprefix("Value error, ")


def bind_listener(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything slow runs: a taken port is reported at once."""
    listener = _bound(host, port, reuse_port=False)
    listener.listen(1024)
    listener.setblocking(False)
    return listener


def reserve_shared_port(host: str, port: int) -> socket.socket:
    """Hold `host:port` for workers that each listen on it with SO_REUSEPORT.

    A plain bind first, so that a port anyone listens on is refused as taken; then a socket
    bound with SO_REUSEPORT and never listening: it keeps the port for the workers (the
    kernel spreads connections over listening sockets only).
    """
    _bound(host, port, reuse_port=False).close()
    return _bound(host, port, reuse_port=True)


def shared_listener(address: tuple[str, int]) -> socket.socket:
    """A worker's own listening socket on the reserved address (SO_REUSEPORT)."""
    listener = _bound(address[0], address[1], reuse_port=True)
    listener.listen(1024)
    listener.setblocking(False)
    return listener


def _bound(host: str, port: int, reuse_port: bool) -> socket.socket:
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: the host is unknown ({error}): give an address of "
            "this machine with --host (or INVOICEGRAPH_HOST)"
        ) from None
    bound = socket.socket(family, kind, protocol)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bound.bind(address)
    except OSError as error:
        bound.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {error.strerror or error}: stop the process that "
            "uses it, or choose another port with --port (or INVOICEGRAPH_PORT)"
        ) from None
    return bound


def unreachable(uri: str, timeout: float, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"cannot reach MongoDB at {database_hosts(uri)} within {timeout:g} s ({reason}): check "
        "--mongodb-uri (or MONGODB_URI) and that the server runs; wait longer with "
        "--connect-timeout SECONDS (or INVOICEGRAPH_CONNECT_TIMEOUT_SECONDS)"
    )


async def check_database(settings: Settings) -> None:
    """Ping the configured MongoDB once, within the connect timeout (nothing to do embedded)."""
    if not settings.mongodb_uri:
        return
    async with reachable_database(settings.mongodb_uri, settings.database, settings):
        pass


@asynccontextmanager
async def reachable_database(
    uri: str | None, name: str, settings: Settings, indexed: bool = False
) -> AsyncIterator[Database]:
    """Database `name` that answered a ping within the connect timeout, closed on exit."""
    try:
        database = open_database(uri, name, settings.database_timeout_ms)
    except InvalidDatabaseUri as error:
        raise ConfigurationError(
            f"--mongodb-uri (or MONGODB_URI) is not a MongoDB URI: {error}: give one like "
            "mongodb://host:27017"
        ) from None
    try:
        if uri:
            try:
                await database.ping(settings.connect_timeout_seconds)
            except StoreUnavailable as error:
                raise unreachable(uri, settings.connect_timeout_seconds, error.reason) from None
        if indexed:
            await ensure_indexes(database)
        yield database
    finally:
        await database.close()
