"""The `invoicegraph` command: serve, ingest, schema, trusted-documents, keys."""

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from invoicegraph.arguments import add_database_arguments, positive_int
from invoicegraph.ingest_command import add_ingest_arguments, ingest_job, run_ingest_job
from invoicegraph.keys_command import add_keys_arguments, run_keys
from invoicegraph.settings import Settings
from invoicegraph.startup import (
    EXIT_CONFIGURATION,
    ConfigurationError,
    bind_listener,
    check_database,
    load_settings,
    reachable_database,
    reserve_shared_port,
)
from store.persisted_documents import PersistedDocuments, TrustedDocument

EXIT_INTERRUPTED = 128 + signal.SIGINT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoicegraph", description="GraphQL API over a MongoDB invoice store."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    add_database_arguments(serve, "a real MongoDB (default: env MONGODB_URI, else embedded)")
    serve.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="processes serving the port (default 1; more need a real MongoDB)",
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
    add_database_arguments(trusted_add, "the MongoDB (default: env MONGODB_URI)")
    add_keys_arguments(commands)
    return parser


def command_settings(args: argparse.Namespace, **flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags given (None: not given)."""
    flags |= {
        "mongodb_uri": getattr(args, "mongodb_uri", None),
        "connect_timeout_seconds": getattr(args, "connect_timeout", None),
    }
    return load_settings(**{name: value for name, value in flags.items() if value is not None})


def serve_settings(args: argparse.Namespace) -> Settings:
    settings = command_settings(
        args,
        host=args.host,
        port=args.port,
        account=args.account,
        trusted_documents=args.trusted_documents,
        workers=args.workers,
        demo_data=False if args.no_demo_data else None,
    )
    if args.ingest:
        settings = settings.model_copy(update={"ingest": [*settings.ingest, *args.ingest]})
    return settings


def read_trusted_documents(path: Path) -> list[TrustedDocument]:
    # Checking the documents needs the schema: imported only when there is a manifest.
    from graph.core_schema import core_schema
    from graph.persisted.trusted_documents import ManifestError, read_manifest
    from graph.schema import build_schema

    try:
        return read_manifest(path, core_schema(build_schema()))
    except ManifestError as error:
        raise ConfigurationError(
            f"{error}: fix the manifest, or give another file to --trusted-documents"
        ) from None


async def run_trusted_documents_add(args: argparse.Namespace) -> int:
    settings = command_settings(args)
    if not settings.mongodb_uri:
        raise ConfigurationError(
            "trusted documents live in the database: give --mongodb-uri (or MONGODB_URI). "
            "For the embedded store use 'serve --trusted-documents'."
        )
    documents = read_trusted_documents(args.manifest)
    async with reachable_database(
        settings.mongodb_uri, settings.database, settings, indexed=True
    ) as database:
        report = await PersistedDocuments(database).trust(documents)
    print(f"trusted {report.trusted} documents from {args.manifest} ({report.new} new)")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    settings = serve_settings(args)
    if settings.workers > 1 and settings.embedded:
        raise ConfigurationError(
            f"--workers {settings.workers} needs a real MongoDB: the embedded store lives in "
            "one process. Give --mongodb-uri (or MONGODB_URI), or serve with one worker"
        )
    # Check the manifest before listening, so a bad entry stops start-up with one line.
    trusted = None
    if settings.trusted_documents:
        trusted = read_trusted_documents(Path(settings.trusted_documents))
    # Bound before the database is touched or demo data loaded: a taken port fails at once.
    if settings.workers > 1:
        listener = reserve_shared_port(settings.host, settings.port)
    else:
        listener = bind_listener(settings.host, settings.port)
    try:
        asyncio.run(check_database(settings))
        # Imported once the checks pass: building the schema takes a second or two, which a
        # start-up mistake should not wait for.
        from invoicegraph.app import create_app
        from invoicegraph.observability import configure_json_logging
        from invoicegraph.shutdown import serve_until_stopped
        from invoicegraph.workers import serve_workers

        # The server logs JSON lines (one per request), which log collectors parse as they are.
        configure_json_logging()
        if settings.workers > 1:
            return serve_workers(settings, trusted, listener)
        app = create_app(settings, trusted)
        asyncio.run(serve_until_stopped(app, listener, settings.shutdown_timeout_seconds))
    finally:
        listener.close()
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "schema":
        from graph.schema import schema_sdl

        sys.stdout.write(schema_sdl())
        return 0
    if args.command == "ingest":
        return asyncio.run(run_ingest_job(ingest_job(args, command_settings(args))))
    if args.command == "trusted-documents":
        return asyncio.run(run_trusted_documents_add(args))
    if args.command == "keys":
        return asyncio.run(run_keys(args, command_settings(args)))
    return run_serve(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return run(args)
    except ConfigurationError as error:
        print(f"invoicegraph: error: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except KeyboardInterrupt:  # Ctrl-C before a command installed its own handling
        print("invoicegraph: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
