"""Shared reads of the embedded store: mongomock's projection without the copy.

A caller that only serializes what it reads, before its next `await`, needs no copy of the
stored documents: `sharing_projection` builds new containers along the projected paths
and hands out the stored values inside them (store/embedded/find.py uses it for
`find(..., read_only=True)`). Where mongomock's copy would differ, for shapes it handles its
own way, mongomock's functions still do the work. Values are as stored: a datetime stays
naive (the tz-aware pass of a copying read would walk every value).
"""

from collections.abc import Callable, Mapping
from typing import Any

from mongomock.collection import _combine_projection_spec

Document = dict[str, Any]
SharingProjection = Callable[[Document], Document | None]


class _NeedsCopy(Exception):
    """A shape mongomock's projection handles its own way (it may raise): copy instead."""


def sharing_projection(projection: Mapping[str, Any] | None) -> SharingProjection:
    """mongomock's `_copy_only_fields(document, projection, dict)` for a plain projection,
    with new containers only along the projected paths: included values are the stored ones.

    The function gives None for a document of a shape it leaves to mongomock's copy.
    """
    fields = {path: flag for path, flag in (projection or {}).items() if path != "_id"}
    id_flag = (projection or {}).get("_id", 1)
    spec = _combine_projection_spec(fields) if fields else None
    include = bool(next(iter(fields.values()))) if fields else False

    def project(document: Document) -> Document | None:
        if spec is None:
            picked = {} if projection is not None and id_flag == 1 else dict(document)
        else:
            try:
                picked = _pick(document, spec, include)
            except _NeedsCopy:
                return None
        if projection is None:
            return picked
        if id_flag == 0:
            picked.pop("_id", None)
        elif "_id" in document:
            picked["_id"] = document["_id"]
        return picked

    return project


def _pick(document: Mapping[str, Any], spec: Mapping[str, Any], include: bool) -> Document:
    """mongomock's `_project_by_spec`, sharing the values it would copy."""
    picked: Document = {}
    for key, value in document.items():
        below = spec.get(key)
        if isinstance(below, dict):
            if isinstance(value, list | tuple):
                if not all(isinstance(item, dict) for item in value):
                    raise _NeedsCopy
                picked[key] = [_pick(item, below, include) for item in value]
            elif isinstance(value, dict):
                picked[key] = _pick(value, below, include)
        elif include == (below is not None):
            picked[key] = value
    return picked
