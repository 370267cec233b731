"""Object plans: one selection on one document type, built once, run on every document.

An object plan turns a stored (sub)document straight into the response object of its
selection: response keys in the executor's order, aliases, `__typename`, leaves through
their converters (graph/compiled/leaves.py), nested objects and lists through their own
plans. It also checks what the model would check of the document it reads (unknown keys,
required fields, the values of fetched fields nobody selected), so that a document the
executor's path would refuse makes the plan fall back instead of answering differently.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import MinLen
from cachetools import LRUCache
from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    get_named_type,
)
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from strawberry.types.field import StrawberryField

from graph.compiled.leaves import (
    CannotCompile,
    Convert,
    Fallback,
    Leaf,
    leaf,
    remember_text,
    validator,
)
from graph.global_ids import invoice_global_id

Produce = Callable[[dict[str, Any]], Any]
"""The response value of one field, from the document of the object holding it."""

Collect = Callable[[GraphQLObjectType, list[FieldNode]], dict[str, list[FieldNode]]]
"""The executor's field collection: response key -> the field nodes merged under it."""


def _refuse() -> Any:
    raise Fallback


@dataclass(frozen=True)
class FieldRead:
    """One response key of an object: a model field through its converter, or computed."""

    key: str
    name: str | None = None
    """The model field read; None for a field `computed` from the whole document."""
    convert: Convert | None = None
    refuse_null: bool = False
    """Null is refused by the model (required) or by GraphQL (non-null): Fallback."""
    computed: Produce | None = None


class ObjectPlan:
    """The response object of one selection, from one stored document of `model`.

    Compiled to one Python function (its `source` shows it): each field a dictionary read
    and, for the common leaves, an inline test that the stored value is its own answer.
    The source holds no text of the request but GraphQL names (aliases included, which the
    parser admits only as `[_A-Za-z][_0-9A-Za-z]*`) and model field names, each as a repr.
    """

    def __init__(self, model: type[BaseModel], reads: list[FieldRead]) -> None:
        self.model = model
        self.reads = reads  # keeps the converters and nested plans it was built from alive
        self.read = frozenset(read.name for read in reads if read.name is not None)
        unread_required = [name for name in required_fields(model) if name not in self.read]
        self.source, namespace = _generate(reads, unread_required)
        namespace.update(refuse=_refuse, read=self.read, check_rest=self._check_rest)
        make = _factory(self.source, tuple(sorted(namespace)), model.__name__)
        self._build: Callable[[Any], dict[str, Any]] = make(**namespace)

    def __call__(self, document: Any) -> dict[str, Any]:
        return self._build(document)

    def _check_rest(self, document: dict[str, Any]) -> None:
        """The fields nobody selected, validated as the model would (or Fallback)."""
        checks = model_checks(self.model)
        for name in document.keys() - self.read:
            check = checks.get(name)
            if check is None:
                raise Fallback  # the model forbids unknown fields
            check(document[name])


def _generate(reads: list[FieldRead], unread_required: list[str]) -> tuple[str, dict[str, Any]]:
    """The source of `build(document)` for these reads, and the names it uses."""
    namespace: dict[str, Any] = {}
    lines = [
        "def build(document):",
        "    if type(document) is not dict:",
        "        refuse()",
        "    if not document.keys() <= read:",
        "        check_rest(document)",
    ]
    # The model refuses an object without a required field, selected or not.
    lines += [f"    if {name!r} not in document:\n        refuse()" for name in unread_required]
    lines.append("    get = document.get")
    for index, read in enumerate(reads):
        value = f"v{index}"
        if read.computed is not None:
            namespace[f"computed{index}"] = read.computed
            lines.append(f"    {value} = computed{index}(document)")
            continue
        assert read.name is not None
        assert read.convert is not None
        lines.append(f"    {value} = get({read.name!r})")
        lines += [f"    {line}" for line in _conversion(read.convert, value, index, namespace)]
        if read.refuse_null:
            lines += ["    else:", "        refuse()"]
    pairs = ", ".join(f"{read.key!r}: v{index}" for index, read in enumerate(reads))
    lines.append(f"    return {{{pairs}}}")
    return "\n".join(lines) + "\n", namespace


@functools.lru_cache(maxsize=1024)
def _factory(source: str, names: tuple[str, ...], model_name: str) -> Callable[..., Any]:
    """`make(**names)` -> `build`: compiled once per distinct source, so that the plans of
    the same selection (in other documents, operations or directive settings) share the
    code object and differ only in the converters and nested plans bound to them."""
    indented = "".join(f"    {line}\n" for line in source.splitlines())
    text = f"def make({', '.join(names)}):\n{indented}    return build\n"
    namespace: dict[str, Any] = {}
    exec(compile(text, f"<plan of {model_name}>", "exec"), namespace)
    make: Callable[..., Any] = namespace["make"]
    return make


def _conversion(convert: Convert, value: str, index: int, namespace: dict[str, Any]) -> list[str]:
    """The lines converting a non-null `value` (an `if` the caller may give an `else`)."""
    if isinstance(convert, ObjectPlan):
        namespace[f"build{index}"] = convert._build
        return [f"if {value} is not None:", f"    {value} = build{index}({value})"]
    if isinstance(convert, ListOf) and isinstance(convert.item, ObjectPlan):
        # A null element reaches build, which refuses it: so does the model.
        namespace[f"build{index}"] = convert.item._build
        return [
            f"if {value} is not None:",
            f"    if type({value}) is not list:",
            "        refuse()",
            f"    {value} = [build{index}(element) for element in {value}]",
        ]
    function = convert.convert if isinstance(convert, Leaf) else convert
    namespace[f"convert{index}"] = function
    if isinstance(convert, Leaf) and convert.answers is not None:
        namespace[f"answers{index}"] = convert.answers
        return [
            f"if {value} is not None:",
            f"    if type({value}) is str and {value} in answers{index}:",
            f"        {value} = answers{index}[{value}]",
            "    else:",
            f"        {value} = convert{index}({value})",
        ]
    own = convert.own if isinstance(convert, Leaf) else None
    if own is None:
        return [f"if {value} is not None:", f"    {value} = convert{index}({value})"]
    own = re.sub(r"\bv\b", value, own)
    return [
        f"if {value} is not None:",
        f"    if not ({own}):",
        f"        {value} = convert{index}({value})",
    ]


_CHECKS: dict[type[BaseModel], dict[str, Convert]] = {}


def model_checks(model: type[BaseModel]) -> dict[str, Convert]:
    """Per field, the model's own validation of a value (Fallback when it refuses)."""
    checks = _CHECKS.get(model)
    if checks is None:
        checks = {name: _check(info) for name, info in model.model_fields.items()}
        _CHECKS[model] = checks
    return checks


def _check(info: FieldInfo) -> Convert:
    annotation: Any = info.annotation
    validate = validator(annotation if not info.metadata else _annotated(annotation, info.metadata))
    optional = not info.is_required() and info.default is None
    # Text with at most a minimum length (an invoice's `account`, read by no selection):
    # what the validator would accept unchanged is tested here, without a call into it.
    lengths = [item.min_length for item in info.metadata if isinstance(item, MinLen)]
    plain_text = annotation is str and len(lengths) == len(info.metadata)
    shortest = max(lengths, default=0)
    # Texts the validator accepted: it accepts them again (a page's cursor field, an instant
    # nobody selected, is read for every invoice of every page).
    accepted: dict[str, None] = {}

    def check(value: Any) -> None:
        if value is None and optional:
            return
        if type(value) is str and (value in accepted or plain_text and len(value) >= shortest):
            return
        try:
            validate(value)
        except ValueError:
            _refuse()
        if type(value) is str:
            remember_text(accepted, value, None)

    return check


def _annotated(annotation: Any, metadata: list[Any]) -> Any:
    return Annotated[annotation, *metadata]


@functools.cache
def required_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in model.model_fields.items() if info.is_required())


def build_object_plan(
    object_type: GraphQLObjectType,
    model: type[BaseModel],
    nodes: list[FieldNode],
    collect: Collect,
) -> ObjectPlan:
    """The plan of the selection `nodes` make on `object_type`, read from `model` documents."""
    reads: list[FieldRead] = []
    for key, merged in collect(object_type, nodes).items():
        name = merged[0].name.value
        if name == "__typename":
            reads.append(FieldRead(key, computed=_constant(object_type.name)))
            continue
        computed = COMPUTED.get((object_type.name, name))
        if computed is not None:
            reads.append(FieldRead(key, computed=computed))
            continue
        _check_plain(object_type, name)
        info = model.model_fields.get(name)
        if info is None:
            raise CannotCompile(f"{object_type.name}.{name} is not a field of {model.__name__}")
        graphql_field = object_type.fields[name]
        convert = _converter(info.annotation, info.metadata, graphql_field.type, merged, collect)
        refuse_null = isinstance(graphql_field.type, GraphQLNonNull) or info.is_required()
        reads.append(FieldRead(key, name, convert, refuse_null))
    return _shared_plan(model, reads)


SHARED_PLANS = 4096
"""Object plans kept for reuse: the same selection in another operation, document or
`@include`/`@skip` setting gets the same plan, so plans cost memory per distinct selection."""
_PLANS: LRUCache[tuple[Any, ...], ObjectPlan] = LRUCache(SHARED_PLANS)


def _shared_plan(model: type[BaseModel], reads: list[FieldRead]) -> ObjectPlan:
    # Converters and nested plans are shared objects themselves: identity tells them apart,
    # and the plan kept here holds its reads, so no id is reused while its entry lives.
    key = (
        model,
        tuple(
            (read.key, read.name, _identity(read.convert), read.refuse_null, id(read.computed))
            for read in reads
        ),
    )
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = ObjectPlan(model, reads)
    return plan


def _identity(convert: Convert | None) -> Any:
    """What tells converters apart: lists by their element's converter, others by identity."""
    if isinstance(convert, ListOf):
        return ("list", _identity(convert.item))
    return id(convert)


def _check_plain(object_type: GraphQLObjectType, name: str) -> None:
    """Only fields the executor resolves by reading the attribute: no resolver, no guard."""
    strawberry_field = strawberry_definition(object_type.fields[name])
    if (
        strawberry_field.base_resolver is not None
        or strawberry_field.permission_classes
        or strawberry_field.extensions
    ):
        raise CannotCompile(f"{object_type.name}.{name} has a resolver, a guard or extensions")


def strawberry_definition(field: GraphQLField) -> StrawberryField:
    """The Strawberry field behind a GraphQL field (its resolver, permissions, arguments)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        raise CannotCompile("a field the schema did not build from Strawberry")
    return definition


def _converter(
    annotation: Any,
    metadata: list[Any],
    graphql_type: GraphQLOutputType,
    nodes: list[FieldNode],
    collect: Collect,
) -> Convert:
    """The converter of a model field's (non-None) value, served as `graphql_type`."""
    annotation = _without_none(annotation)
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if isinstance(graphql_type, GraphQLList):
        if get_origin(annotation) is not list or metadata:
            raise CannotCompile(f"{annotation!r} is not a list")
        (item_annotation,) = get_args(annotation)
        item = _converter(item_annotation, [], graphql_type.of_type, nodes, collect)
        return ListOf(item)
    named = get_named_type(graphql_type)
    if isinstance(named, GraphQLObjectType):
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or metadata:
            raise CannotCompile(f"{named.name} is not read from a document model")
        return build_object_plan(named, annotation, nodes, collect)
    return leaf(annotation, metadata, named)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        others = [argument for argument in get_args(annotation) if argument is not NoneType]
        if len(others) == 1:
            return others[0]
    return annotation


@dataclass(frozen=True)
class ListOf:
    """A list's converter: each element through `item`."""

    item: Convert

    def __call__(self, value: Any) -> list[Any]:
        if type(value) is not list:
            return _refuse()
        # A null inside a list is refused by the model (and by `[X!]`).
        item = self.item
        return [_refuse() if element is None else item(element) for element in value]


def _constant(value: str) -> Produce:
    return lambda document: value


def _global_id(document: dict[str, Any]) -> str:
    invoice_id = document.get("invoiceId")
    if type(invoice_id) is not str:
        return _refuse()
    return invoice_global_id(invoice_id)


COMPUTED: dict[tuple[str, str], Produce] = {("Invoice", "id"): _global_id}
"""Fields computed by resolvers that plans compute the same way (graph/types/invoice.py)."""
