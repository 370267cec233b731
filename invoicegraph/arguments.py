"""Command-line arguments shared by the commands that reach a MongoDB."""

import argparse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


def add_database_arguments(parser: argparse.ArgumentParser, uri_help: str) -> None:
    parser.add_argument("--mongodb-uri", help=uri_help)
    parser.add_argument(
        "--connect-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="give up on an unreachable MongoDB after this long (default 3; env "
        "INVOICEGRAPH_CONNECT_TIMEOUT_SECONDS)",
    )
