"""`invoicegraph keys create|list|revoke`: API keys in the database (docs/security.md)."""

import argparse
import sys
from typing import Any

from invoicegraph.arguments import add_database_arguments
from invoicegraph.settings import Settings
from invoicegraph.startup import ConfigurationError, reachable_database
from store.keys import SCOPES, DuplicateKeyName, KeyStore, StoredKey

EXIT_USAGE = 2
EXIT_NOT_FOUND = 1


def add_keys_arguments(commands: Any) -> None:
    keys = commands.add_parser(
        "keys", help="create, list and revoke the API keys stored in the database"
    ).add_subparsers(dest="action", required=True)

    create = keys.add_parser("create", help="make a key; its clear text is printed once")
    create.add_argument("--account", required=True, help="the account the key acts for")
    create.add_argument("--name", required=True, help="a name unique within the account")
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=sorted(SCOPES),
        dest="scopes",
        help="a scope the key holds (repeatable)",
    )
    create.add_argument(
        "--no-introspection",
        action="store_true",
        help="refuse schema introspection to this key",
    )

    listing = keys.add_parser("list", help="list keys (never their clear text)")
    listing.add_argument("--account", help="only this account's keys")

    revoke = keys.add_parser("revoke", help="revoke a key; it stops working within a minute")
    revoke.add_argument("--account", required=True, help="the account of the key")
    revoke.add_argument("name", help="the key's name")

    for parser in (create, listing, revoke):
        add_database_arguments(parser, "the MongoDB (default: env MONGODB_URI)")


def describe(key: StoredKey) -> str:
    state = f"revoked {key.revokedAt}" if key.revokedAt else "active"
    return "  ".join(
        [
            f"{key.account}/{key.name}",
            ",".join(key.scopes),
            f"{key.hint}...",
            f"created {key.createdAt}",
            f"last used {key.lastUsedAt or 'never'}",
            state,
            "" if key.introspection else "no introspection",
        ]
    ).rstrip()


async def run_keys(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.mongodb_uri:
        raise ConfigurationError(
            "stored keys live in the database: give --mongodb-uri (or MONGODB_URI). With the "
            "embedded store, configure keys in INVOICEGRAPH_API_KEYS."
        )
    async with reachable_database(
        settings.mongodb_uri, settings.database, settings, indexed=True
    ) as database:
        return await _act(args, KeyStore(database))


async def _act(args: argparse.Namespace, keys: KeyStore) -> int:
    if args.action == "create":
        try:
            clear, stored = await keys.create(
                args.account, args.name, args.scopes, introspection=not args.no_introspection
            )
        except (ValueError, DuplicateKeyName) as error:
            print(f"invoicegraph: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        print(clear)
        print(
            f"created {describe(stored)}\nStore the key now: only its digest is kept.",
            file=sys.stderr,
        )
        return 0
    if args.action == "list":
        for key in await keys.list(args.account):
            print(describe(key))
        return 0
    revoked = await keys.revoke(args.account, args.name)
    if revoked is None:
        print(f"invoicegraph: no active key {args.account}/{args.name}", file=sys.stderr)
        return EXIT_NOT_FOUND
    print(f"revoked {describe(revoked)}")
    return 0
