"""The embedded store's aggregate: filter (and project) before copying, then mongomock's.

mongomock's `aggregate` deep-copies the whole collection before the first `$match`;
`matching_first` runs the leading `$match` (and a plain projection) through the find
path first, so only the documents that pass are copied (installed by store/embedded/collection.py).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mongomock import aggregate as pipelines
from mongomock import helpers


@dataclass(frozen=True)
class Prefilter:
    """A pipeline split for the embedded store: what to do before copying, and the rest.

    `match` holds every leading `$match`; `fields` is a plain `$project` that picks
    fields without computing any (the pipeline's own, or the fields its `$group` reads).
    """

    match: Mapping[str, Any]
    fields: Mapping[str, Any] | None
    rest: list[Mapping[str, Any]]


def prefilter(pipeline: Sequence[Any]) -> Prefilter | None:
    """How to run `pipeline` filtering first; None when it does not open with `$match`."""
    stages = list(pipeline)
    matches = []
    while stages and isinstance(_operand(stages[0], "$match"), Mapping):
        matches.append(stages.pop(0)["$match"])
    if not matches:
        return None
    # `$and` even for one: it keeps the documents in the store's order, as mongomock's own
    # aggregate sees them (iter_documents' `_id` shortcut yields them in the ids' order).
    match = {"$and": matches}
    if stages and _picks_fields(_operand(stages[0], "$project")):
        return Prefilter(match, stages[0]["$project"], stages[1:])
    read = _fields_read(_operand(stages[0], "$group")) if stages else None
    fields = None if read is None else {"_id": 1, **dict.fromkeys(sorted(read), 1)}
    # The `$group` stays: the projection only drops what it never reads.
    return Prefilter(match, fields, stages)


def _operand(stage: Any, operator: str) -> Any:
    """The operand of a one-operator stage `{operator: operand}`, else None."""
    if isinstance(stage, Mapping) and list(stage) == [operator]:
        return stage[operator]
    return None


def _picks_fields(projection: Any) -> bool:
    """True for a `$project` that only includes (or only excludes) fields: computing nothing,
    it can run on the stored documents before they are copied."""
    if not isinstance(projection, Mapping) or not projection:
        return False
    flags = [value for value in projection.values() if type(value) in (bool, int)]
    if len(flags) != len(projection) or any(flag not in (0, 1) for flag in flags):
        return False
    chosen = {bool(value) for field, value in projection.items() if field != "_id"}
    return len(chosen) <= 1 and all(not field.startswith("$") for field in projection)


def _fields_read(group: Any) -> set[str] | None:
    """The top-level fields a `$group` reads; None if it reads whole documents or variables."""
    if not isinstance(group, Mapping):
        return None
    fields: set[str] = set()
    pending: list[Any] = [group]
    while pending:
        value = pending.pop()
        if isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and value.startswith("$$"):
            return None  # $$ROOT, $$CURRENT, $let variables: need more than named fields
        elif isinstance(value, str) and value.startswith("$"):
            # A string under `$literal` is no path; keeping its field as well costs nothing.
            field = value[1:].split(".", 1)[0]
            if not field:
                return None  # not a field path: let mongomock judge the stage as it is
            fields.add(field)
    return fields


def matching_first(collection: Any) -> Callable[..., Any]:
    """`collection.aggregate` copying only the documents (and fields) the first stages keep.

    mongomock's own copies every document of the collection and then runs every stage; this
    one filters through the find path, copies what passed, and hands mongomock the rest.
    """
    copy_all_first: Callable[..., Any] = collection.aggregate

    def aggregate(pipeline: Sequence[Any], session: Any = None, **options: Any) -> Any:
        plan = prefilter(pipeline)
        if plan is None or session is not None:
            return copy_all_first(pipeline, session=session, **options)
        documents = _found(collection, plan)
        return pipelines.process_pipeline(documents, collection.database, plan.rest, None)

    return aggregate


def _found(collection: Any, plan: Prefilter) -> list[dict[str, Any]]:
    """The documents `find(plan.match)` gives, reduced to `plan.fields`: copies, as find's."""
    spec = helpers.patch_datetime_awareness_in_document(plan.match)
    stored = list(collection._iter_documents(spec))
    if plan.fields is not None:
        # A plain projection shares the stored values instead of copying them: copy after.
        picked = [{"$project": plan.fields}]
        stored = list(pipelines.process_pipeline(stored, collection.database, picked, None))
    copies = [collection._copy_only_fields(document, None, dict) for document in stored]
    if collection.codec_options.tz_aware:
        return [helpers.make_datetime_timezone_aware_in_document(copy) for copy in copies]
    return copies
