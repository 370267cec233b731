"""The `invoicegraph` command: serve, ingest, schema."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from graph.schema import schema_sdl
from invoicegraph.app import create_app
from invoicegraph.settings import Settings
from seeds.ingest import ingest_file
from store.client import open_database
from store.indexes import ensure_indexes
from store.invoices import InvoiceStore, Scope

EXIT_REJECTED = 3
"""`ingest` exit code when some records were rejected (the rest landed)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoicegraph", description="GraphQL API over a MongoDB invoice store."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument(
        "--mongodb-uri", help="a real MongoDB (default: env MONGODB_URI, else embedded)"
    )
    serve.add_argument("--no-demo-data", action="store_true", help="start with an empty store")
    serve.add_argument(
        "--account", help="account for --ingest paths without ACCOUNT= (default demo)"
    )
    serve.add_argument(
        "--ingest",
        action="append",
        default=[],
        metavar="[ACCOUNT=]PATH",
        help="ingest a file of Akinon or fabric invoices before serving (repeatable)",
    )
    serve.add_argument(
        "--trusted-documents", metavar="PATH", help="an Apollo persisted-query manifest"
    )

    ingest = commands.add_parser("ingest", help="ingest files of Akinon or fabric invoices")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument("--account", required=True, help="the account that owns the invoices")
    ingest.add_argument(
        "--mongodb-uri", help="a real MongoDB (default: env MONGODB_URI, else embedded)"
    )

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    return parser


def serve_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        name: value
        for name, value in {
            "host": args.host,
            "port": args.port,
            "mongodb_uri": args.mongodb_uri,
            "account": args.account,
            "trusted_documents": args.trusted_documents,
        }.items()
        if value is not None
    }
    settings = Settings()
    if args.no_demo_data:
        overrides["demo_data"] = False
    if args.ingest:
        overrides["ingest"] = [*settings.ingest, *args.ingest]
    return settings.model_copy(update=overrides)


async def run_ingest(args: argparse.Namespace) -> int:
    settings = Settings()
    database = open_database(args.mongodb_uri or settings.mongodb_uri, settings.database)
    try:
        await ensure_indexes(database)
        invoices = InvoiceStore(database).scoped(Scope(args.account))
        read = stored = rejected = 0
        for path in args.paths:
            report = await ingest_file(path, invoices)
            for rejection in report.rejected:
                print(rejection.describe(str(path)), file=sys.stderr)
            read, stored = read + report.read, stored + report.stored
            rejected += len(report.rejected)
        print(f"read {read} / stored {stored} / unchanged 0 / rejected {rejected}")
        return EXIT_REJECTED if rejected else 0
    finally:
        await database.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "schema":
        sys.stdout.write(schema_sdl())
        return 0
    if args.command == "ingest":
        return asyncio.run(run_ingest(args))
    settings = serve_settings(args)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
