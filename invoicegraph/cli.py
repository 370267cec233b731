"""The `invoicegraph` command: serve, ingest, schema, trusted-documents, keys."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.schema import schema_sdl
from graph.trusted_documents import ManifestError, read_manifest
from invoicegraph.app import create_app
from invoicegraph.ingest_command import add_ingest_arguments, ingest_job, run_ingest_job
from invoicegraph.keys_command import add_keys_arguments, run_keys
from invoicegraph.observability import configure_json_logging
from invoicegraph.settings import Settings
from invoicegraph.shutdown import serve_until_stopped
from store.indexes import indexed_database
from store.persisted_documents import PersistedDocuments

EXIT_USAGE = 2
"""Exit code for a command that cannot start: a bad manifest, a missing database URI."""


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

    add_ingest_arguments(
        commands.add_parser("ingest", help="ingest Akinon or fabric invoices: files or a pull")
    )

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

    trusted = commands.add_parser(
        "trusted-documents", help="manage the documents persisted-only keys may run"
    ).add_subparsers(dest="action", required=True)
    trusted_add = trusted.add_parser(
        "add", help="trust the operations of an Apollo persisted-query manifest"
    )
    trusted_add.add_argument("manifest", type=Path, metavar="MANIFEST")
    trusted_add.add_argument("--mongodb-uri", help="the MongoDB (default: env MONGODB_URI)")
    add_keys_arguments(commands)
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
    return await run_ingest_job(ingest_job(args, Settings()))


async def run_trusted_documents_add(args: argparse.Namespace) -> int:
    settings = Settings()
    uri = args.mongodb_uri or settings.mongodb_uri
    try:
        documents = read_manifest(args.manifest)
    except ManifestError as error:
        print(f"invoicegraph: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not uri:
        print(
            "invoicegraph: trusted documents live in the database: give --mongodb-uri "
            "(or MONGODB_URI). For the embedded store use 'serve --trusted-documents'.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    async with indexed_database(uri, settings.database) as database:
        report = await PersistedDocuments(database).trust(documents)
    print(f"trusted {report.trusted} documents from {args.manifest} ({report.new} new)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "schema":
        sys.stdout.write(schema_sdl())
        return 0
    if args.command == "ingest":
        return asyncio.run(run_ingest(args))
    if args.command == "trusted-documents":
        return asyncio.run(run_trusted_documents_add(args))
    if args.command == "keys":
        return asyncio.run(run_keys(args))
    settings = serve_settings(args)
    trusted = None
    if settings.trusted_documents:
        # Check the manifest before listening, so a bad entry stops start-up with one line.
        try:
            trusted = read_manifest(Path(settings.trusted_documents))
        except ManifestError as error:
            print(f"invoicegraph: {error}", file=sys.stderr)
            return EXIT_USAGE
    # The server logs JSON lines (one per request), which log collectors parse as they are.
    configure_json_logging()
    app = create_app(settings, trusted)
    drain = settings.shutdown_timeout_seconds
    asyncio.run(serve_until_stopped(app, settings.host, settings.port, drain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
