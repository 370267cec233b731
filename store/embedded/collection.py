"""The embedded store without full scans or whole-collection copies.

mongomock checks every unique index by scanning every document on every write, and finds
or updates even a single `_id` by scanning: ingesting n invoices costs O(n^2) (5,000 took
110 s). Its `aggregate` deep-copies the whole collection before the first `$match`, its
`find` every match before skip and limit. `accelerate` replaces these paths of one mongomock
collection with ones that give the same answers: hash lookups, aggregates that filter
before they copy (store/embedded/aggregate.py), finds that copy only what skip and limit
keep, or nothing at all (store/embedded/find.py), scans that decide plain top-level
conditions without mongomock's matcher (store/embedded/filtering.py); anything they cannot
handle (array or object keys, sparse or partial indexes, operators other than `$in` on
`_id`, a clause before `_id` that `Precheck` does not decide, which mongomock applies to
every document and which may raise, pipelines not opening with `$match`, projection
operators) still goes the original way.

A read or update whose filter pins every field of a unique index to texts (the account and
an invoiceId or invoiceNumber, or `$in` of them) and holds only conditions `Precheck`
decides reads just the keys' holders (`keyed_documents`). The key maps must never miss a
document: every write claims its keys; a write that goes the scan way, or fails halfway
(mongomock updates in place), drops them, to be rebuilt from the store, and so does a key
found replaced by an equal value of another type (`Unseen`); a store holding a duplicate,
or an array or a str subclass under a key, keeps scanning. Writes through another,
unaccelerated mongomock Collection of the same store would go unseen: store/client.py
accelerates the one mongomock keeps per name, and nothing else writes.
"""

import itertools
import math
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from bson import ObjectId
from mongomock import DuplicateKeyError, helpers
from mongomock.filtering import filter_applies

from store.embedded.aggregate import matching_first
from store.embedded.filtering import Precheck, matching_documents, plain_before, precheck
from store.embedded.find import window_first

Key = tuple[Hashable, ...]
_MARK = "_accelerated_by_invoicegraph"
_ABSENT = object()  # `_id` may be null


class UniqueKeys:
    """One unique index: key -> `_id` of the document that took it.

    Entries are never removed on update or delete; a stale one names a document that is
    gone or holds another key now, which `holder` detects by reading that document.
    """

    def __init__(self, index: Mapping[str, Any], fields: Sequence[str]) -> None:
        self.index = index
        self.fields = tuple(fields)
        self.ids: dict[Key, Any] = {}
        self.complete = True
        """False while a write's document is left out (built during the write, not yet claimed)."""

    def holder(self, store: Any, key: Key) -> Any | None:
        """The `_id` of the document holding `key` now, if any."""
        document = self.holding(store, key)
        return None if document is None else document["_id"]

    def holding(self, store: Any, key: Key) -> dict[str, Any] | None:
        """The stored document holding `key` now, if any; raises `Unseen`."""
        holder_id = self.ids.get(key, _ABSENT)
        if holder_id is _ABSENT:
            return None
        document = _stored(store, holder_id)
        if document is None:
            return None
        if index_key(document, self.fields) != key:
            if [_value(document, field) for field in self.fields] == _values(key):
                raise Unseen
            return None
        return document


class Unseen(Exception):
    """A document's key was replaced by an equal value of another type ("x" by a str
    subclass, 1 by True): mongomock saw no change and checked nothing, so no key map can
    tell who holds that key now."""


def index_key(document: Mapping[str, Any], fields: Sequence[str]) -> Key | None:
    """The index key of a document, typed so that `True` and `1` differ; None if unhashable."""
    key: list[Hashable] = []
    for field in fields:
        try:
            value = helpers.get_value_by_dot(document, field)
        except KeyError:
            value = None  # MongoDB indexes a missing field as null
        if isinstance(value, dict | list) or (isinstance(value, str) and type(value) is not str):
            return None  # matched by mongomock's rules (arrays by element, str's by __eq__)
        key.append((type(value).__name__, value))
    return typed_key(key)


def _values(key: Key) -> list[Any]:
    return [value for _, value in cast(tuple[tuple[str, Any], ...], key)]


def typed_key(parts: Sequence[Hashable]) -> Key | None:
    try:
        hash(tuple(parts))
    except TypeError:
        return None
    return tuple(parts)


def _stored(store: Any, document_id: Any) -> dict[str, Any] | None:
    if isinstance(document_id, dict):
        document_id = helpers.hashdict(document_id)  # as mongomock keys its store
    try:
        document: dict[str, Any] = store[document_id]
    except KeyError:
        return None
    return document


_KEYS: "weakref.WeakKeyDictionary[Any, dict[str, UniqueKeys]]" = weakref.WeakKeyDictionary()


def unique_keys(store: Any, name: str, index: Mapping[str, Any], skip: Any) -> UniqueKeys | None:
    """The key map of a unique index, built in one pass when the index is new; None if unusable."""
    maps = _KEYS.setdefault(store, {})
    current = maps.get(name)
    if current is not None and current.index is index:
        return current
    fields = [field for field, _ in index["key"]]
    built = UniqueKeys(index, fields)
    for document in store.documents:
        key = index_key(document, fields)
        if key is None:
            return None
        if document["_id"] != skip:
            if key in built.ids:  # a duplicate got in (a failed update): only scans answer
                return None
            built.ids[key] = document["_id"]
    built.complete = skip is None
    maps[name] = built
    return built


def holders(
    collection: Any, fields: Sequence[str], keys: Sequence[Sequence[Any]]
) -> list[Any] | None:
    """The `_id`s of the documents holding these keys of the unique index on `fields`.

    None when no usable unique index has exactly these fields (the caller then scans).
    """
    store = collection._store
    for name, index in _unique_indexes(store) or []:  # none usable: the caller scans
        if [field for field, _ in index["key"]] != list(fields):
            continue
        index_keys = unique_keys(store, name, index, skip=None)
        if index_keys is None:
            return None
        found = []
        for values in keys:
            key = typed_key([(type(value).__name__, value) for value in values])
            try:
                holder = None if key is None else index_keys.holder(store, key)
            except Unseen:
                _KEYS.pop(store, None)
                return None
            if holder is not None:
                found.append(holder)
        return found
    return None


def _unique_indexes(store: Any) -> list[tuple[str, Mapping[str, Any]]] | None:
    """The store's unique indexes; None if one is sparse or partial: the scan checks those,
    which keeps no key map up to date."""
    indexes = [(name, index) for name, index in store.indexes.items() if index.get("unique")]
    if any(index.get("sparse") or "partialFilterExpression" in index for _, index in indexes):
        return None
    return indexes


class NeedsScan(Exception):
    """Raised by a read `by_keys_only` that only a scan answers, before it scans."""


_MOST_KEYS: ContextVar[int | None] = ContextVar("embedded_most_keys", default=None)


@contextmanager
def by_keys_only(most_keys: int) -> Iterator[None]:
    """Reads inside answer from at most `most_keys` keys of a unique index (finding at most
    one document, which needs no pass over the store to order) or `_id`s, or raise
    NeedsScan: their work is bounded by the keys."""
    token = _MOST_KEYS.set(most_keys)
    try:
        yield
    finally:
        _MOST_KEYS.reset(token)


def keyed_documents(
    store: Any, compiled: Precheck | None, most_keys: int | None = None
) -> list[Any] | None:
    """The documents a filter matches, read through a unique index whose every field it pins
    to texts (at most `most_keys` keys), in the store's order; None when only a scan answers
    as mongomock does."""
    if compiled is None or compiled.rest is not None:
        return None  # a clause only mongomock's matcher decides (and may raise for)
    pins: dict[str, frozenset[Any]] = {}
    for condition in compiled.leading:
        if condition.kind is str and condition.pins is not None:
            pins.setdefault(condition.field, condition.pins)
    if not pins:
        return None
    for name, index in _unique_indexes(store) or []:
        fields = [field for field, _ in index["key"]]
        if not all(field in pins for field in fields):
            continue
        looked_up = math.prod(len(pins[field]) for field in fields)
        if looked_up > len(store) or most_keys is not None and looked_up > most_keys:
            return None  # more keys than documents, or than allowed
        keys = unique_keys(store, name, index, skip=None)
        if keys is None:
            continue  # an array, a str subclass or a duplicate under this index's keys
        found = {}
        for values in itertools.product(*(pins[field] for field in fields)):
            try:
                document = keys.holding(store, tuple(("str", value) for value in values))
            except Unseen:
                _KEYS.pop(store, None)
                return None
            if document is not None:
                found[id(document)] = document
        if len(found) > 1:  # in the store's order, as a scan finds them
            if most_keys is not None:
                return None  # a pass over the whole store: not bounded by the keys
            ordered = [document for document in store.documents if id(document) in found]
        else:
            ordered = list(found.values())
        return list(compiled.matching(ordered))
    return None


def accelerate(collection: Any) -> None:
    """Give one mongomock collection hashed unique checks, `_id` lookups, lean aggregates
    and finds."""
    if getattr(collection, _MARK, False):
        return
    scan_uniques: Callable[[Any], None] = collection._ensure_uniques
    scan_documents: Callable[[Any], Iterator[Any]] = collection._iter_documents
    apply_update: Callable[..., Any] = collection._update

    def ensure_uniques(new_data: dict[str, Any]) -> None:
        store = collection._store
        claims = None
        try:
            claims = _claims(store, new_data)
            clashes = None if claims is None else _clashes(store, claims, new_data["_id"])
            if claims is None or clashes is None:
                claims = None
                _KEYS.pop(store, None)  # the scan keeps no key map up to date
                scan_uniques(new_data)
                return
            if clashes:
                raise _duplicate(collection, *clashes[0], new_data)
            for _, keys, key in claims:
                keys.ids[key] = new_data["_id"]
                keys.complete = True
        except DuplicateKeyError:
            # mongomock puts the document back as it was, whose key a complete map holds.
            if claims is None or not all(keys.complete for _, keys, _ in claims):
                _KEYS.pop(store, None)
            raise
        except BaseException:
            _KEYS.pop(store, None)  # the document may stay, changed and unclaimed
            raise

    def update(*args: Any, **kwargs: Any) -> Any:
        try:
            return apply_update(*args, **kwargs)
        except DuplicateKeyError:
            raise  # the document is back as it was (ensure_uniques)
        except BaseException:
            # mongomock changes documents in place: one that failed halfway stays changed
            # without a check of its keys.
            _KEYS.pop(collection._store, None)
            raise

    def iter_documents(filter: Any) -> Iterator[Any]:
        ids = _pinned_ids(filter)
        store = collection._store
        if store.is_empty:
            return scan_documents(filter)  # which checks the filter against an empty document
        most_keys = _MOST_KEYS.get()
        if ids is None:
            compiled = precheck(filter)
            keyed = keyed_documents(store, compiled, most_keys)
            if keyed is not None:
                return iter(keyed)
            if most_keys is not None:
                raise NeedsScan
            # mongomock's scan, with plain top-level conditions decided without its matcher.
            if compiled is None:
                return matching_documents(filter, list(store.documents))
            return compiled.matching(list(store.documents))
        ids = list(dict.fromkeys(ids))
        if most_keys is not None and len(ids) > most_keys:
            raise NeedsScan
        found = (_stored(store, document_id) for document_id in ids)
        # The documents found by `_id` match its condition; only the rest needs checking
        # (checking `$in` again would cost O(ids) per document).
        rest = {key: value for key, value in filter.items() if key != "_id"}
        return iter([document for document in found if document and filter_applies(rest, document)])

    collection._ensure_uniques = ensure_uniques
    collection._update = update
    collection._iter_documents = iter_documents
    collection.aggregate = matching_first(collection)
    collection.find = window_first(collection)
    setattr(collection, _MARK, True)


def _claims(store: Any, new_data: dict[str, Any]) -> list[tuple[str, UniqueKeys, Key]] | None:
    """(index name, key map, key) for each unique index; None when one needs the scan."""
    indexes = _unique_indexes(store)
    if indexes is None:
        return None
    claims = []
    for name, index in indexes:
        keys = unique_keys(store, name, index, skip=new_data["_id"])
        key = None if keys is None else index_key(new_data, keys.fields)
        if keys is None or key is None:
            return None
        claims.append((name, keys, key))
    return claims


def _clashes(
    store: Any, claims: list[tuple[str, UniqueKeys, Key]], document_id: Any
) -> list[tuple[str, UniqueKeys]] | None:
    """The claimed keys another document holds; None when a key map cannot tell."""
    try:
        return [
            (name, keys)
            for name, keys, key in claims
            if keys.holder(store, key) not in (None, document_id)
        ]
    except Unseen:
        return None


def _duplicate(
    collection: Any, name: str, keys: UniqueKeys, document: Mapping[str, Any]
) -> DuplicateKeyError:
    """The error MongoDB raises, with the index name and the key in message and details."""
    value = {field: _value(document, field) for field in keys.fields}
    message = (
        f"E11000 duplicate key error collection: {collection.full_name} "
        f"index: {name} dup key: {value}"
    )
    details = {"keyPattern": dict(keys.index["key"]), "keyValue": value, "errmsg": message}
    return DuplicateKeyError(message, 11000, details)


def _value(document: Mapping[str, Any], field: str) -> Any:
    try:
        return helpers.get_value_by_dot(document, field)
    except KeyError:
        return None


def _pinned_ids(filter: Any) -> list[Any] | None:
    """The `_id`s a filter pins with equality or `$in`, when they are plain ids and no clause
    before `_id` may raise: mongomock applies those to the documents a lookup skips."""
    if not isinstance(filter, Mapping) or "_id" not in filter or not plain_before(filter, "_id"):
        return None
    value = filter["_id"]
    if isinstance(value, Mapping) and list(value) == ["$in"] and isinstance(value["$in"], list):
        ids = value["$in"]
    else:
        ids = [value]
    # Other types (numbers, booleans, documents) compare by MongoDB's rules, not Python's.
    if all(isinstance(document_id, ObjectId | str) for document_id in ids):
        return ids
    return None
