"""The embedded store's find: filter, sort and cut to skip/limit before copying.

mongomock's cursor copies every matching document, then applies skip and limit: a page of
100 of 1,000 invoices copied all 1,000. `window_first` (installed by store/embedded/collection.py)
gives cursors that filter and sort with mongomock's own functions, cut the window, and only
then copy it with mongomock's own projection. A `read_only` cursor does not copy at all
(store/embedded/sharing.py). Unusual finds (projection operators, `$` sorts, collations,
list projections) keep mongomock's own path.
"""

import functools
from collections.abc import Callable
from typing import Any

from mongomock import OperationFailure, filtering, helpers
from mongomock.collection import Cursor, _combine_projection_spec

from store.embedded.sharing import Document, SharingProjection, sharing_projection


class WindowFirstCursor(Cursor):
    """mongomock's cursor, copying only the documents inside skip and limit."""

    read_only = False
    _window: list[Document] | None = None
    _window_query: tuple[Any, ...] | None = None

    @classmethod
    def taking_over(cls, cursor: Cursor, read_only: bool) -> "WindowFirstCursor":
        """This cursor with the state of `cursor`, as mongomock's `find` built and checked it."""
        taken = cls.__new__(cls)
        vars(taken).update(vars(cursor))
        taken.read_only = read_only
        return taken

    def _compute_results(self, with_limit_and_skip: bool = False) -> list[Document]:
        if with_limit_and_skip:
            # Computed once per query, as mongomock caches its results between `next`s.
            query = (self._factory, self._skip, self._limit)
            if self._window_query != query:
                self._window = self._computed_window()
                self._window_query = query
            if self._window is not None:
                return self._window
        results: list[Document] = super()._compute_results(with_limit_and_skip)
        return results

    def _computed_window(self) -> list[Document] | None:
        """The documents inside skip and limit; None when mongomock's own path must run."""
        plain = plain_sort(self._sort) and plain_projection(self._projection)
        if not plain or self._collation is not None:
            return None
        stored = self._ordered_window()
        tz_aware = self.collection.codec_options.tz_aware
        if self.read_only:
            # As stored: the tz-aware pass would walk every value (Collection.find says so).
            share = sharing_projection(self._projection)
            return [self._shared(share, d) for d in stored]
        copies = [self.collection._copy_only_fields(d, self._projection, dict) for d in stored]
        if tz_aware:
            return [helpers.make_datetime_timezone_aware_in_document(copy) for copy in copies]
        return copies

    def _ordered_window(self) -> list[Document]:
        """The stored documents that match, in order, cut as mongomock cuts its results."""
        dataset = self.collection._iter_documents(self._spec)
        # mongomock's `_get_dataset` sorts the same way: one stable sort per key, last first.
        for key, direction in reversed(self._sort or []):
            order = functools.partial(filtering.resolve_sort_key, key)
            dataset = iter(sorted(dataset, key=order, reverse=direction < 0))
        window: list[Document] = list(dataset)[self._skip :]
        if self._limit:
            window = window[: abs(self._limit)]
        return window

    def _shared(self, share: SharingProjection, stored: Document) -> Document:
        shared = share(stored)
        if shared is None:  # a shape only mongomock's copying projection handles
            copied: Document = self.collection._copy_only_fields(stored, self._projection, dict)
            return copied
        return shared


def window_first(collection: Any) -> Callable[..., WindowFirstCursor]:
    """`collection.find` giving WindowFirstCursors; `read_only=True` asks for uncopied documents."""
    copy_all_first: Callable[..., Cursor] = collection.find

    def find(*args: Any, read_only: bool = False, **kwargs: Any) -> WindowFirstCursor:
        return WindowFirstCursor.taking_over(copy_all_first(*args, **kwargs), read_only)

    return find


def plain_sort(sort: Any) -> bool:
    """True for no sort or (field, direction) pairs, which `_ordered_window` sorts as mongomock."""
    if sort is None:
        return True
    return isinstance(sort, list | tuple) and all(
        isinstance(pair, list | tuple)
        and len(pair) == 2
        and type(pair[0]) is str
        and not pair[0].startswith("$")  # $natural and the unimplemented ones
        and type(pair[1]) is int
        for pair in sort
    )


def plain_projection(projection: Any) -> bool:
    """True for None or a non-empty dict of 0/1 flags that mongomock applies without error.

    Anything else (operators, lists, `{}`, mixed or colliding paths) keeps mongomock's path,
    which raises its errors for every matching document, inside the window or not.
    """
    if projection is None:
        return True
    if type(projection) is not dict or not projection:
        return False
    flags = projection.values()
    if any(type(flag) not in (int, bool) or flag not in (0, 1) for flag in flags):
        return False
    if any(type(path) is not str or "$" in path for path in projection):
        return False
    fields = {path: flag for path, flag in projection.items() if path != "_id"}
    if len({bool(flag) for flag in fields.values()}) > 1:
        return False
    try:
        _combine_projection_spec(fields)
    except (OperationFailure, NotImplementedError):
        return False
    return True
