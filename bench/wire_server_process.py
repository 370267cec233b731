"""Runs mongoeco's MongoDB wire server until SIGTERM: `python wire_server_process.py PORT [FILE]`.

Started by bench/wire_server.py with the Python >= 3.13 of `.wire-venv`, never imported by
the project: it needs nothing but mongoeco. With FILE, the data lives in that SQLite file
(and survives a restart); without, in memory.
"""

import asyncio
import signal
import sys


async def serve(port: int, sqlite_file: str | None) -> None:
    from mongoeco.wire import AsyncMongoEcoProxyServer

    engine = None
    if sqlite_file is not None:
        from mongoeco.engines import SQLiteEngine

        engine = SQLiteEngine(sqlite_file)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for which in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(which, stopping.set)
    async with AsyncMongoEcoProxyServer(host="127.0.0.1", port=port, engine=engine) as server:
        print(f"listening on {server.address.uri}", flush=True)
        await stopping.wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None))
