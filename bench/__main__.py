"""`make bench`: every section in turn, then the whole table and bench/results.json.

    .venv/bin/python -m bench [--quick] [--only SECTION ...]

--quick runs smaller sizes and shorter loads: a smoke run, not figures to compare.
"""

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bench import (
    database,
    execution,
    growth,
    http_load,
    ingest,
    live,
    peer,
    production_path,
    starvation,
    webhooks,
)
from bench.report import RESULTS, Section, table, write

SECTIONS: dict[str, Callable[[bool], Awaitable[Section]]] = {
    "execution": execution.run,
    "database": database.run,
    "http": http_load.run,
    "peer": peer.run,
    "ingest": ingest.run,
    "growth": growth.run,
    "production": production_path.run,
    "starvation": starvation.run,
    "live": live.run,
    "webhooks": webhooks.run,
}


async def run_sections(names: list[str], quick: bool) -> list[Section]:
    sections = []
    for name in names:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        section = await SECTIONS[name](quick)
        section.seconds = time.perf_counter() - started
        sections.append(section)
    return sections


def machine(quick: bool) -> dict[str, object]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": quick,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter loads")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    args = parser.parse_args()
    started = time.perf_counter()
    sections = asyncio.run(run_sections(args.only, args.quick))
    write(sections, machine(args.quick))
    print(table(sections))
    print(f"\n{time.perf_counter() - started:.0f}s in all; written to {RESULTS}")


if __name__ == "__main__":
    main()
