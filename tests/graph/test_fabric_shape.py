"""fabric's shape is declared once: the served types agree with the document model.

The schema's object types and inputs are derived from store/domain/documents.py
(graph/types/fabric_shape.py); this reads the printed schema back and checks each type,
field by field, against its model: present, same type, same nullability, same description.
Only the overrides listed here may differ, so a hand-written change that drifts fails.
"""

import json
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, GraphQLSchema, build_schema
from pydantic import BaseModel

from graph.schema import schema_sdl
from graph.types.fabric_shape import OBJECT_TYPES, model_annotation
from graph.types.inputs import SERVICE_OWNED
from invoicegraph.app import RESOURCES
from store.domain import documents
from store.domain.instants import Instant
from store.domain.money import ExactDecimal, Money
from store.indexes import INVOICES
from store.invoice_filters import FILTERABLE, FilterKind
from store.invoice_sorting import SORTABLE
from store.search_keys import CUSTOMER_EMAIL, UPDATED_AT
from tests.conftest import ServeFactory

NOT_SERVED = {("Invoice", "account")}
"""Model fields no type serves: the account is the scope of every read."""
COMPUTED = {("Invoice", "id"), ("Invoice", "relatedInvoices")}
"""Served fields computed from the document rather than stored in it."""
OVERRIDES: dict[tuple[str, str], tuple[str, str | None]] = {
    # (type, field): (GraphQL type, description; None: the model's)
    ("Invoice", "invoiceId"): ("ID!", None),
    ("InvoiceCreateInput", "invoiceId"): (
        "ID",
        "Unique id of the invoice; a fresh 24-hex id when omitted.",
    ),
    ("InvoiceCreateInput", "invoiceNumber"): (
        "String!",
        "Unique number of the invoice within the account.",
    ),
    ("InvoiceCreateInput", "invoiceStatus"): (
        "InvoiceStatus",
        "Settlement status to start in (DRAFT when omitted); any status a new invoice can "
        "start in (docs/lifecycle.md), never DELETED.",
    ),
    ("InvoiceCreateInput", "invoiceDate"): (
        "DateTime",
        "Date when the order was invoiced; the creation time when omitted.",
    ),
    ("InvoiceCreateInput", "invoiceTotal"): ("Decimal!", None),
    ("InvoiceCreateInput", "attributes"): ("JSON", "Free-form attributes (a JSON object)."),
}
"""Where the API serves or accepts a model field differently, on purpose."""

SCALARS: dict[Any, str] = {
    Money: "Decimal",
    ExactDecimal: "Decimal",
    Instant: "DateTime",
    documents.Attributes: "JSON",
    str: "String",
    int: "Int",
    float: "Float",
    bool: "Boolean",
}


def expected_type(annotation: Any, names: dict[type[BaseModel], str], suffix: str) -> str:
    """The GraphQL type a model annotation is served as, worked out independently of the
    derivation: `X | None` nullable, anything else non-null."""
    if get_origin(annotation) in (Union, UnionType):
        [inner] = [argument for argument in get_args(annotation) if argument is not NoneType]
        return expected_type(inner, names, suffix).removesuffix("!")
    if get_origin(annotation) is list:
        [item] = get_args(annotation)
        return f"[{expected_type(item, names, suffix)}]!"
    for known, name in SCALARS.items():
        if annotation == known:
            return f"{name}!"
    if get_origin(annotation) is Annotated:
        return expected_type(get_args(annotation)[0], names, suffix)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return f"{annotation.__name__}!"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{names[annotation]}{suffix}!"
    raise AssertionError(f"no GraphQL type for {annotation!r}")


def shape_drift(served: GraphQLSchema) -> list[str]:
    """Every difference between the served types and the document model."""
    names = {model: kind.__strawberry_definition__.name for model, kind in OBJECT_TYPES.items()}  # type: ignore[attr-defined]
    pairs: list[tuple[type[BaseModel], str, str, frozenset[str]]] = [
        (model, name, "", frozenset()) for model, name in names.items()
    ]
    # The inputs: InvoiceCreateInput, and the input of every model it nests.
    pairs.append((documents.InvoiceBody, "InvoiceCreateInput", "Input", SERVICE_OWNED))
    for model, _, suffix, not_input in pairs:
        if suffix:
            for name, info in model.model_fields.items():
                nested = _nested_model(model_annotation(info))
                if name not in not_input and nested is not None:
                    pair = (nested, f"{names[nested]}Input", "Input", frozenset[str]())
                    if pair not in pairs:
                        pairs.append(pair)
    problems: list[str] = []
    for model, type_name, suffix, not_input in pairs:
        kind = served.get_type(type_name)
        if not isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            problems.append(f"{type_name}: not served (for {model.__name__})")
            continue
        expected = {
            name: info
            for name, info in model.model_fields.items()
            if (type_name, name) not in NOT_SERVED and name not in not_input
        }
        for name, info in expected.items():
            where = f"{type_name}.{name}"
            field = kind.fields.get(name)
            if field is None:
                problems.append(f"{where}: missing (model {model.__name__}.{name})")
                continue
            graph_type, description = OVERRIDES.get((type_name, name), (None, None))
            if graph_type is None:
                graph_type = expected_type(model_annotation(info), names, suffix)
            if str(field.type) != graph_type:
                problems.append(f"{where}: {field.type}, the model says {graph_type}")
            description = description or info.description
            if not description:
                problems.append(f"{where}: the model field has no description (docstring)")
            elif field.description != description:
                problems.append(f"{where}: described {field.description!r}, not {description!r}")
        for name in set(kind.fields) - set(expected):
            if (type_name, name) not in COMPUTED:
                problems.append(f"{type_name}.{name}: served, but not in the model")
    return problems


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        if (found := _nested_model(argument)) is not None:
            return found
    return None


def served_schema(sdl: str | None = None) -> GraphQLSchema:
    return build_schema(schema_sdl() if sdl is None else sdl)


def test_served_types_agree_with_the_document_model() -> None:
    assert shape_drift(served_schema()) == []


def test_every_document_model_has_a_served_type() -> None:
    models = {
        value
        for value in vars(documents).values()
        if isinstance(value, type) and issubclass(value, documents.FabricModel)
    }
    assert models - set(OBJECT_TYPES) == {documents.FabricModel, documents.InvoiceBody}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('  """Unit of measure."""\n  uom: String\n', ""), "InvoiceItem.uom: missing"),
        (
            ("  invoiceNumber: String!", "  invoiceNumber: String"),
            "Invoice.invoiceNumber: String, the model says String!",
        ),
        (
            ("itemTaxTotal: Decimal", "itemTaxTotal: Float"),
            "InvoiceItem.itemTaxTotal: Float, the model says Decimal",
        ),
        (
            ('"""Total of the line\'s taxes."""', '"""Taxes."""'),
            "InvoiceItem.itemTaxTotal: described 'Taxes.'",
        ),
        (
            ("  uom: String\n", "  uom: String\n  color: String\n"),
            "InvoiceItem.color: served, but not in the model",
        ),
        (
            ('  """Free-form attributes (a JSON object)."""\n', ""),
            "InvoiceCreateInput.attributes: described None",
        ),
        (
            ("input InvoiceCreateInput {\n", "input InvoiceCreateInput {\n  createdAt: DateTime\n"),
            "InvoiceCreateInput.createdAt: served, but not in the model",
        ),
    ],
)
def test_a_drift_from_the_model_is_reported(change: tuple[str, str], problem: str) -> None:
    sdl = schema_sdl()
    old, new = change
    assert old in sdl
    problems = shape_drift(served_schema(sdl.replace(old, new, 1)))
    assert [found for found in problems if found.startswith(problem)], problems


SERVED_EXTERNAL_IDS = """
query($number: String!) {
  invoiceByNumber(invoiceNumber: $number) { externalId }
  invoices(first: 5) { edges { node { invoiceNumber externalId } } }
}
"""


async def test_a_field_declared_in_the_model_is_stored_and_served(
    serve: ServeFactory, tmp_path: Path
) -> None:
    """externalId, declared once in the document model, from a fabric file to the API."""
    path = tmp_path / "fabric.jsonl"
    records = [
        {"invoiceNumber": "F-1", "invoiceTotal": "10.00", "externalId": "ERP-0001"},
        {"invoiceNumber": "F-2", "invoiceTotal": "12.50"},
    ]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    client = await serve(ingest=[f"demo={path}"])

    served = await client.data(SERVED_EXTERNAL_IDS, {"number": "F-1"})

    assert served["invoiceByNumber"] == {"externalId": "ERP-0001"}
    nodes = [edge["node"] for edge in served["invoices"]["edges"]]
    assert sorted(nodes, key=lambda node: node["invoiceNumber"]) == [
        {"invoiceNumber": "F-1", "externalId": "ERP-0001"},
        {"invoiceNumber": "F-2", "externalId": None},
    ]
    collection = client.http.app[RESOURCES].database.collection(INVOICES)
    stored = await collection.find(
        {"account": "demo"}, {"_id": 0, "invoiceNumber": 1, "externalId": 1}
    )
    assert sorted(stored, key=lambda document: document["invoiceNumber"]) == [
        {"invoiceNumber": "F-1", "externalId": "ERP-0001"},
        {"invoiceNumber": "F-2"},
    ]


UNITS = "_units"
"""Money's integer companions (store/invoices.py)."""
COMPANION_SOURCES = {CUSTOMER_EMAIL: "customer.email", UPDATED_AT: "updatedAt"}
"""The model field each `_search` companion is derived from (store/search_keys.py)."""
KIND_TYPES: dict[FilterKind, Any] = {
    FilterKind.TEXT: str,
    FilterKind.IDENTIFIER: str,
    FilterKind.EMAIL: str,
    FilterKind.INSTANT: Instant,
    FilterKind.MONEY: Money,
}


def model_leaf(path: str) -> Any:
    """The model annotation at a stored path, read through companions, options and lists."""
    if path.startswith(f"{UNITS}."):
        leaf = model_leaf(path.removeprefix(f"{UNITS}."))
        assert leaf == Money, f"{path}: only money has units"
        return leaf
    model: Any = documents.Invoice
    annotation: Any = None
    for name in COMPANION_SOURCES.get(path, path).split("."):
        assert model is not None, f"{path}: {name} is inside a leaf"
        info = model.model_fields.get(name)
        assert info is not None, f"{path}: {model.__name__} has no field {name}"
        annotation = _bare(model_annotation(info))
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return annotation


def _bare(annotation: Any) -> Any:
    """`X` of `X | None`, of `list[X]` and of X under constraints (a minimum length)."""
    while get_origin(annotation) in (Union, UnionType, list, Annotated):
        if get_origin(annotation) is Annotated:
            if annotation in SCALARS:  # money, instants: their type is the Annotated one
                return annotation
            annotation = get_args(annotation)[0]
            continue
        [annotation] = [argument for argument in get_args(annotation) if argument is not NoneType]
    return annotation


def test_filter_fields_compare_fields_of_the_model_by_their_type() -> None:
    for field, filterable in FILTERABLE.items():
        expected = filterable.choices or KIND_TYPES[filterable.kind]
        assert model_leaf(filterable.path) == expected, field


def test_sort_fields_order_fields_of_the_model() -> None:
    for field, sortable in SORTABLE.items():
        leaf = model_leaf(sortable.path)
        assert (leaf, sortable.value_type) in ((Instant, str), (Money, int), (str, str)), field


def test_a_filter_on_a_field_the_model_lacks_is_reported() -> None:
    with pytest.raises(AssertionError, match="InvoiceItem has no field colour"):
        model_leaf("orders.items.colour")
    with pytest.raises(AssertionError, match="only money has units"):
        model_leaf(f"{UNITS}.invoiceNumber")
