"""One small async interface over MongoDB, with two backends.

`open_database(uri)` gives PyMongo's `AsyncMongoClient` for a real server, or the
embedded in-memory mongomock-motor store when there is no URI. The rest of the
project sees only `Database` and `Collection`, which use the operations whose
semantics both backends share, and count every command they issue.
"""

import inspect
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import bson
import pymongo
from bson.raw_bson import RawBSONDocument
from pymongo import ASCENDING, DESCENDING, IndexModel, InsertOne, UpdateMany, UpdateOne
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from store.embedded.collection import NeedsScan, accelerate, by_keys_only, holders
from store.embedded.turns import Turns

Document = dict[str, Any]
SortSpec = Sequence[tuple[str, int]]

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "BulkWriteError",
    "Collection",
    "CommandCounter",
    "Database",
    "Document",
    "DuplicateKeyError",
    "IndexModel",
    "InvalidDatabaseUri",
    "InsertOne",
    "PyMongoError",
    "ServerSelectionTimeoutError",
    "StoreUnavailable",
    "UpdateMany",
    "UpdateOne",
    "ReadTally",
    "database_hosts",
    "open_database",
    "shared_deadline",
    "tallied_reads",
]


def key_filter(fields: Sequence[str], keys: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Match any of `keys` on `fields`: keys sharing all but the last value share one `$in`."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for key in keys:
        groups.setdefault(tuple(key[:-1]), []).append(key[-1])
    clauses = [
        {**dict(zip(fields[:-1], prefix, strict=True)), fields[-1]: {"$in": last}}
        for prefix, last in groups.items()
    ]
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def _owners(fields: Sequence[str], keys: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """The accounts among `keys`, as a condition: a lookup by `_id` still names its tenant."""
    if "account" not in fields:
        return {}
    position = list(fields).index("account")
    accounts = sorted({key[position] for key in keys})
    return {"account": accounts[0] if len(accounts) == 1 else {"$in": accounts}}


class InvalidDatabaseUri(ValueError):
    """The MongoDB URI cannot be used: the message says why (never with its credentials)."""


def database_hosts(uri: str) -> str:
    """The hosts a MongoDB URI names, without user or password: safe to print."""
    try:
        nodes = pymongo.uri_parser.parse_uri(uri, warn=True)["nodelist"]
    except (pymongo.errors.PyMongoError, ValueError):
        return "the given address"
    return ",".join(f"{host}:{port}" for host, port in nodes) or "the given address"


class StoreUnavailable(Exception):
    """The database could not be reached, or did not answer in time: retrying later may work.

    The one error the store raises for the driver's connection and timeout failures, so the
    layers above need not know PyMongo's exception tree.
    """

    def __init__(self, command: str, error: PyMongoError) -> None:
        if isinstance(error, ServerSelectionTimeoutError):
            reason = "no database server could be reached"
        elif error.timeout:
            reason = "the database did not answer in time"
        else:
            reason = "the connection to the database failed"
        super().__init__(f"{reason} ({command})")
        self.command = command
        self.reason = reason


STORE_ERRORS: tuple[type[Exception], ...] = (StoreUnavailable, PyMongoError)
"""Every failure of a database command as the store lets it out: unavailability, or the
driver's error for a command the server refused. For a caller that answers another way
when a read fails (graph/compiled/), without naming the driver's exceptions."""


def is_unavailability(error: PyMongoError) -> bool:
    """True for failures of reaching or hearing from the server, not of the command itself."""
    # `timeout` covers timeoutMS expiring anywhere and the server's MaxTimeMSExpired.
    return isinstance(error, ConnectionFailure) or error.timeout


MAX_KEYS_WITHOUT_TURN = 100
"""The most keys an embedded read by unique key looks up without waiting for its turn of
the loop (store/embedded/turns.py). Such a read is a hash lookup per key and a copy of what
it finds, no more than the request then spends on that, where no turn is taken. A longer
batch waits for its turn like a scan, and so does one finding several documents by the keys
of an index other than `_id`: putting them in the store's order passes over the store."""


@dataclass
class CommandCounter:
    """Counts the database commands issued, by name; tests and /metrics read it."""

    total: int = 0
    by_name: dict[str, int] = field(default_factory=dict)
    listeners: list[Any] = field(default_factory=list)
    cpu_seconds: float = 0.0
    """CPU time of this thread inside commands: the embedded store's own work, which its
    wall time overstates whenever the machine runs something else (benchmarks read it)."""

    def record(self, name: str, seconds: float) -> None:
        self.total += 1
        self.by_name[name] = self.by_name.get(name, 0) + 1
        for listener in self.listeners:
            listener(name, seconds)


@contextmanager
def counted_command(counter: CommandCounter, name: str) -> Iterator[None]:
    """Time and count one command; raise StoreUnavailable when the database cannot answer."""
    started, cpu_started = time.perf_counter(), time.thread_time()
    counted = True
    try:
        yield
    except NeedsScan:
        counted = False  # an embedded read tried by key first: the scan is the command
        raise
    except PyMongoError as error:
        if is_unavailability(error):
            raise StoreUnavailable(name, error) from error
        raise
    finally:
        counter.cpu_seconds += time.thread_time() - cpu_started
        if counted:
            counter.record(name, time.perf_counter() - started)


@dataclass
class ReadTally:
    """The documents the database returned to one unit of work (a request), and their bytes.

    On a real MongoDB the bytes are exact: the BSON size of each returned document, read off
    the raw batches before decoding (the reply's envelope is not counted). The embedded store
    holds Python objects, not BSON: its bytes are an estimate, the BSON size of a sample of
    the returned documents (ESTIMATE_SAMPLE) scaled to all of them.
    """

    documents: int = 0
    bytes: int = 0


_READS: ContextVar[ReadTally | None] = ContextVar("invoicegraph_reads", default=None)

ESTIMATE_SAMPLE = 5
"""Documents of one embedded read whose BSON is encoded to estimate the read's bytes."""


@contextmanager
def tallied_reads() -> Iterator[ReadTally]:
    """Tally every document read inside (in this task and those it starts) and its bytes."""
    tally = ReadTally()
    token = _READS.set(tally)
    try:
        yield tally
    finally:
        _READS.reset(token)


def _estimate(documents: Sequence[Document]) -> int:
    """The BSON bytes of `documents`, from evenly spaced samples: an encode of each is costly."""
    if len(documents) <= ESTIMATE_SAMPLE:
        return sum(_bson_size(document) for document in documents)
    step = len(documents) / ESTIMATE_SAMPLE
    sampled = sum(_bson_size(documents[int(i * step)]) for i in range(ESTIMATE_SAMPLE))
    return round(sampled * len(documents) / ESTIMATE_SAMPLE)


def _bson_size(document: Document) -> int:
    try:
        return len(bson.encode(document))
    except (bson.errors.InvalidDocument, OverflowError):  # not storable as it is: not counted
        return 0


class Collection:
    """A MongoDB collection reduced to what both backends do alike."""

    def __init__(
        self, raw: Any, counter: CommandCounter, embedded: Any = None, turns: Turns | None = None
    ) -> None:
        self._raw = raw
        self._counter = counter
        self._embedded = embedded  # the mongomock collection behind `raw`, when embedded
        # A real server's reads come back as raw BSON: its size is known before decoding,
        # which then happens here exactly as the driver would have done it.
        self._reader = raw
        if embedded is None:
            self._codec = raw.codec_options
            self._reader = raw.with_options(
                codec_options=raw.codec_options.with_options(document_class=RawBSONDocument)
            )
        self._turns = turns  # embedded: one command per turn of the event loop

    async def _run(self, name: str, command: Callable[[], Any], by_key: bool = False) -> Any:
        """`command()` and its result awaited, counted as one database command: building
        it (the embedded store parses its filter there) as well as running it.

        `by_key`: a read by unique key, which the embedded store tries first without
        waiting for its turn, answering from at most MAX_KEYS_WITHOUT_TURN keys; a read
        that turns out to need a scan stops before it and waits for its turn."""
        if self._turns is None:
            return await self._counted(name, command)
        if by_key:
            try:
                with by_keys_only(MAX_KEYS_WITHOUT_TURN):
                    return await self._counted(name, command)
            except NeedsScan:
                pass
        await self._turns.acquire()  # cancelled while waiting: the command never runs
        try:
            return await self._counted(name, command)
        finally:
            self._turns.release()

    async def _counted(self, name: str, command: Callable[[], Any]) -> Any:
        with counted_command(self._counter, name):
            result = command()
            return await result if inspect.isawaitable(result) else result

    def _read(self, documents: list[Any]) -> list[Document]:
        """The documents a read returned, decoded, tallied for the request that asked."""
        tally = _READS.get()
        if self._embedded is not None:
            if tally is not None and documents:
                tally.documents += len(documents)
                tally.bytes += _estimate(documents)
            return documents
        if tally is not None:
            tally.documents += len(documents)
            tally.bytes += sum(len(document.raw) for document in documents)
        return [bson.decode(document.raw, self._codec) for document in documents]

    def _read_one(self, document: Any) -> Document | None:
        return None if document is None else self._read([document])[0]

    async def find(
        self,
        filter: Mapping[str, Any],
        projection: Mapping[str, Any] | None = None,
        sort: SortSpec | None = None,
        limit: int = 0,
        read_only: bool = False,
        by_key: bool = False,
    ) -> list[Document]:
        """The matching documents, sorted, at most `limit` (0: all).

        `by_key=True`: the filter pins a unique key (`_run`); only the embedded store reads
        differently for it.

        `read_only=True`: the caller neither changes the documents nor keeps them across an
        `await`, so the embedded store may hand out its stored values instead of copies
        (store/embedded/find.py), datetimes naive as stored; a real server's documents are
        fresh anyway. The one caller (graph/compiled/) refuses datetimes in invoices.
        """
        # Only the embedded backend's (accelerated) find takes `read_only`.
        sharing = {"read_only": True} if read_only and self._embedded is not None else {}

        def command() -> Any:
            cursor = self._reader.find(filter, projection, **sharing)
            if sort:
                cursor = cursor.sort(list(sort))
            if limit:
                # The embedded backend's to_list ignores its length: limit the cursor.
                cursor = cursor.limit(limit)
            return cursor.to_list(None)

        return self._read(await self._run("find", command, by_key))

    async def find_by_keys(
        self,
        fields: Sequence[str],
        keys: Sequence[Sequence[Any]],
        projection: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        """In one command, the documents whose `fields` (a unique index's) equal one of `keys`."""
        if not keys:
            return []
        if self._embedded is not None:
            ids = holders(self._embedded, fields, keys)
            if ids is not None:  # found by hash instead of a scan (store/embedded/collection.py)
                by_id = {"_id": {"$in": ids}, **_owners(fields, keys)}
                return await self.find(by_id, projection, by_key=True)
        return await self.find(key_filter(fields, keys), projection)

    async def find_one(
        self,
        filter: Mapping[str, Any],
        projection: Mapping[str, Any] | None = None,
        by_key: bool = False,
    ) -> Document | None:
        """The first matching document, or None; `by_key` as for `find`."""

        def command() -> Any:
            return self._reader.find_one(filter, projection)

        document = await self._run("find", command, by_key)
        return self._read_one(document)

    async def count(self, filter: Mapping[str, Any]) -> int:
        count: int = await self._run("count", lambda: self._raw.count_documents(filter))
        return count

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        async def run() -> list[Any]:
            cursor = self._reader.aggregate(list(pipeline))
            if inspect.isawaitable(cursor):  # PyMongo async: a coroutine giving a cursor
                cursor = await cursor
            documents: list[Any] = await cursor.to_list(None)
            return documents

        return self._read(await self._run("aggregate", run))

    async def insert_one(self, document: Mapping[str, Any]) -> None:
        await self._run("insert", lambda: self._raw.insert_one(dict(document)))

    async def insert_many(
        self, documents: Sequence[Mapping[str, Any]], ordered: bool = True
    ) -> None:
        """Insert in one command; unordered: one refused document does not stop the rest."""
        await self._run(
            "insert", lambda: self._raw.insert_many([dict(d) for d in documents], ordered=ordered)
        )

    async def update_one(
        self, filter: Mapping[str, Any], update: Mapping[str, Any], upsert: bool = False
    ) -> tuple[int, Any]:
        """Apply one update; returns (matched count, upserted id or None)."""
        result = await self._run(
            "update", lambda: self._raw.update_one(filter, update, upsert=upsert)
        )
        return result.matched_count, result.upserted_id

    async def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        projection: Mapping[str, Any] | None = None,
        upsert: bool = False,
    ) -> Document | None:
        """Apply one atomic update and return the document as it is after it."""
        from pymongo import ReturnDocument

        document = await self._run(
            "findAndModify",
            lambda: self._reader.find_one_and_update(
                filter,
                update,
                projection=projection,
                return_document=ReturnDocument.AFTER,
                upsert=upsert,
            ),
        )
        return self._read_one(document)

    async def bulk_write(self, operations: Sequence[Any]) -> Any:
        """Several writes in one command, unordered: one failure does not stop the rest.

        Inserts and `UpdateMany` only: the embedded store cannot take PyMongo's UpdateOne or
        ReplaceOne in a bulk write (they pass `sort`); an UpdateMany pinned by `_id` is one.
        """
        return await self._run(
            "bulkWrite", lambda: self._raw.bulk_write(list(operations), ordered=False)
        )

    async def delete_many(self, filter: Mapping[str, Any]) -> int:
        result = await self._run("delete", lambda: self._raw.delete_many(filter))
        deleted: int = result.deleted_count
        return deleted

    async def create_indexes(self, indexes: Sequence[IndexModel]) -> None:
        await self._run("createIndexes", lambda: self._raw.create_indexes(list(indexes)))


class Database:
    """A database handle over one of the two backends."""

    def __init__(self, raw: Any, client: Any, embedded: bool) -> None:
        self._raw = raw
        self._client = client
        self.embedded = embedded
        self.commands = CommandCounter()
        self._turns = Turns() if embedded else None

    def sibling(self) -> "Database":
        """The same database and client, counting its commands apart (background work)."""
        return Database(self._raw, self._client, self.embedded)

    def collection(self, name: str) -> Collection:
        raw = self._raw[name]
        if not self.embedded:
            return Collection(raw, self.commands)
        embedded = self._raw.delegate.get_collection(name)
        accelerate(embedded)
        return Collection(raw, self.commands, embedded, self._turns)

    async def ping(self, timeout_seconds: float | None = None) -> None:
        """Raise StoreUnavailable unless the server answers (within `timeout_seconds`)."""
        if self.embedded:
            return
        deadline = nullcontext() if timeout_seconds is None else pymongo.timeout(timeout_seconds)
        with counted_command(self.commands, "ping"), deadline:
            await self._raw.command("ping")

    async def drop(self) -> None:
        await self._client.drop_database(self._raw.name)

    async def close(self) -> None:
        if not self.embedded:
            await self._client.close()


def shared_deadline(seconds: float) -> AbstractContextManager[None]:
    """Every database call made inside (in this task and those it starts) shares one deadline.

    PyMongo's client-side timeout: a call past the deadline raises StoreUnavailable. The
    embedded backend has nothing to wait for and ignores it.
    """
    return pymongo.timeout(seconds)


def _without_credentials(message: str, uri: str) -> str:
    """A driver's message about `uri`, with the URI's user information blanked out."""
    _, _, rest = uri.partition("://")
    userinfo, at, _ = rest.partition("@")
    return message.replace(userinfo, "***") if at and userinfo else message


def open_database(uri: str | None, name: str = "invoicegraph", timeout_ms: int = 5000) -> Database:
    """A real MongoDB through PyMongo's async client when `uri` is given, else the embedded one."""
    if uri:
        from pymongo import AsyncMongoClient

        # Every call is bounded, so an absent or stalled database fails a request
        # (StoreUnavailable) instead of hanging it: finding a server, connecting, and the
        # whole operation (timeoutMS, which also sends maxTimeMS so the server stops too).
        try:
            client: Any = AsyncMongoClient(
                uri,
                tz_aware=True,
                serverSelectionTimeoutMS=timeout_ms,
                connectTimeoutMS=timeout_ms,
                socketTimeoutMS=timeout_ms * 2,
                timeoutMS=timeout_ms * 2,
            )
        except (pymongo.errors.ConfigurationError, pymongo.errors.InvalidURI, ValueError) as error:
            raise InvalidDatabaseUri(_without_credentials(str(error), uri)) from None
        return Database(client.get_database(name), client, embedded=False)
    from mongomock_motor import AsyncMongoMockClient

    client = AsyncMongoMockClient(tz_aware=True)
    return Database(client[name], client, embedded=True)
