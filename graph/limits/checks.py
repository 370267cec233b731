"""Limits checked before a query touches the database (docs/security.md).

In order: length, then tokens and bracket nesting while lexing (before the parser
recurses), then depth, fragment nesting, aliases, repeated fields, breadth, introspection,
calculated cost and the key's cost budget (before standard validation, whose overlap
check is quadratic), then the nesting of the variables. A refused query gets one error with code
QUERY_TOO_COMPLEX, FORBIDDEN or THROTTLED; every response reports `extensions.cost`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema

from graph.document_cache import CachedDocument
from graph.errors import BadUserInput, ClientError
from graph.limits.cost import CostModel, ListBound, QueryCost
from graph.limits.query_shape import Shape, ShapeMeter, TooDeep, lex, operations_to_run
from graph.limits.throttle import CostBuckets
from graph.page_sizes import (
    DEFAULT_EVENTS_PAGE,
    DEFAULT_PAGE_SIZE,
    DEFAULT_RELATED,
    MAX_PAGE_SIZE,
    MAX_RELATED,
)
from graph.permissions import FORBIDDEN
from store.keys import ApiKey

VALUE_NESTING = 32
"""How deep argument values and variables may nest (MongoDB stores at most 100 levels)."""
VARIABLE_LIST_VALUES = 1000
"""The most values one list in the variables holds: twice the largest batch any argument
takes (akinonInvoicesIngest's 500 records; filters take 100 values). Checked before the
variables are coerced, whose cost grows with their size."""

DEFAULT_COST_MODEL = CostModel(
    max_page_size=MAX_PAGE_SIZE,
    default_pages={
        ("Query", "invoices"): DEFAULT_PAGE_SIZE,
        ("Query", "invoiceEvents"): DEFAULT_EVENTS_PAGE,
    },
    bounded_lists={
        ("Invoice", "relatedInvoices"): ListBound("first", DEFAULT_RELATED, MAX_RELATED),
    },
    scans=frozenset({("InvoiceConnection", "totalCount"), ("Query", "invoiceSummary")}),
)


class QueryTooComplex(ClientError):
    """The query is over one of the limits; `extensions.limit` names which."""

    code = "QUERY_TOO_COMPLEX"


class Throttled(ClientError):
    """The key's cost budget cannot pay for the query now; `extensions.retryAfter` says when."""

    code = "THROTTLED"


class IntrospectionDisabled(ClientError):
    code = FORBIDDEN


@dataclass(frozen=True)
class QueryLimits:
    """The configured maxima (Settings), the same for every key."""

    max_depth: int = 20
    max_aliases: int = 30
    max_tokens: int = 2000
    max_length: int = 100_000
    max_repeats: int = 10
    max_breadth: int = 100
    max_cost: int = 10_000
    introspection: bool = True
    cost_model: CostModel = DEFAULT_COST_MODEL


@dataclass
class RequestLimits:
    """The limits of one request, for one key; records the cost the request asked for."""

    limits: QueryLimits = field(default_factory=QueryLimits)
    api_key: ApiKey | None = None
    buckets: CostBuckets | None = None
    requested_cost: int = 0
    retry_after: float | None = None
    _verdict: tuple[DocumentNode, str | None, GraphQLError | None] | None = field(
        default=None, repr=False, compare=False
    )
    """The last check_document's document, operation and answer: the same check again in
    the same request (a compiled plan gave way to the executor) answers the same and spends
    the budget once."""

    @property
    def maximum_cost(self) -> int:
        if self.buckets is None:
            return self.limits.max_cost
        return min(self.limits.max_cost, int(self.buckets.capacity))

    @property
    def introspection_allowed(self) -> bool:
        key = self.api_key
        return self.limits.introspection and (
            key is None or (key.introspection and key.grants("read"))
        )

    def check_text(self, text: str) -> GraphQLError | None:
        """Length, tokens and bracket nesting, checked before anything parses."""
        limits = self.limits
        if len(text) > limits.max_length:
            # Lexing walks every character, comments and strings included: bound that too.
            return _too_complex(
                f"The document is longer than {limits.max_length} characters, the most this API "
                "reads; pass large values as variables.",
                "length",
                limits.max_length,
            )
        lexical = lex(text, limits.max_tokens)
        if lexical.tokens > limits.max_tokens:
            return _too_complex(
                f"The document has more than {limits.max_tokens} tokens, the most this API parses.",
                "tokens",
                limits.max_tokens,
            )
        nesting = limits.max_depth + VALUE_NESTING
        if lexical.nesting > nesting:
            return _too_complex(
                f"The document nests brackets more than {nesting} deep.", "depth", nesting
            )
        return None

    def check_document(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        cached: CachedDocument | None = None,
    ) -> GraphQLError | None:
        """Shape, introspection, cost and budget; sets `requested_cost` once it is known.

        The shape depends on the document alone: a `cached` document is measured once.
        """
        verdict = self._verdict
        if verdict is not None and verdict[0] is document and verdict[1] == operation_name:
            return verdict[2]
        refusal = self._check_document(schema, document, operation_name, variables, cached)
        self._verdict = (document, operation_name, refusal)
        return refusal

    def _check_document(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        cached: CachedDocument | None,
    ) -> GraphQLError | None:
        operations = operations_to_run(document, operation_name)
        limits = self.limits

        def measure() -> list[Shape] | TooDeep:
            meter = ShapeMeter(document, limits.max_depth, max_fragment_nesting=limits.max_depth)
            try:
                return [meter.operation(operation) for operation in operations]
            except TooDeep as deep:
                return deep

        # Keyed by the operations measured: any unknown operationName measures them all.
        key = (
            "shape",
            tuple(operation.name.value if operation.name else "" for operation in operations),
        )
        shapes = measure() if cached is None else cached.remember(key, measure)
        if isinstance(shapes, TooDeep):
            return _too_complex(
                f"The query nests {shapes.what} deeper than {shapes.maximum} levels, the maximum.",
                "depth",
                shapes.maximum,
            )
        for shape in shapes:
            if shape.aliases > limits.max_aliases:
                return _too_complex(
                    f"The query uses {shape.aliases} aliases; the maximum is {limits.max_aliases}.",
                    "aliases",
                    limits.max_aliases,
                )
            if shape.repeats > limits.max_repeats:
                return _too_complex(
                    f"The query selects object fields again under names already selected "
                    f"beside them {shape.repeats} times; the maximum is {limits.max_repeats}. "
                    "Select each field once.",
                    "repeats",
                    limits.max_repeats,
                )
            if shape.breadth > limits.max_breadth:
                return _too_complex(
                    f"A selection set holds {shape.breadth} fields (counting those its fragments "
                    f"bring); the maximum is {limits.max_breadth}.",
                    "breadth",
                    limits.max_breadth,
                )
            if shape.introspection and not self.introspection_allowed:
                return IntrospectionDisabled(
                    "Introspection (__schema, __type) is turned off for this API key."
                )

        def price() -> int:
            cost = QueryCost(schema, document, variables, limits.cost_model)
            return max((cost.operation(o) for o in operations), default=0)

        # The cost model lives as long as the app, as do the cached documents.
        priced = (id(limits.cost_model), key[1])
        self.requested_cost = _remembered_cost(cached, priced, variables, price)
        if self.requested_cost > self.maximum_cost:
            return _too_complex(
                f"The query's calculated cost is {self.requested_cost}, over the maximum of "
                f"{self.maximum_cost}: ask for smaller pages (first/last) or fewer objects. "
                "docs/security.md explains the cost.",
                "cost",
                self.maximum_cost,
            )
        # Variables before the budget: a refused request must not spend it.
        return _check_variables(variables) or self._spend()

    def _spend(self) -> GraphQLError | None:
        if self.buckets is None or self.api_key is None:
            return None
        self.retry_after = self.buckets.spend(_bucket_key(self.api_key), self.requested_cost)
        if self.retry_after is None:
            return None
        return Throttled(
            f"Throttled: this key's cost budget cannot pay {self.requested_cost} now; retry "
            f"after {self.retry_after} seconds (extensions.cost.throttleStatus).",
            retryAfter=self.retry_after,
        )

    def charge_event(self) -> float | None:
        """A subscription pays its cost once per event it delivers (docs/security.md): None
        when paid, else the seconds until the key's budget can pay it."""
        if self.buckets is None or self.api_key is None:
            return None
        return self.buckets.spend(_bucket_key(self.api_key), self.requested_cost)

    def report(self) -> dict[str, Any]:
        """`extensions.cost`: what the query asked for and the most a query may ask for."""
        cost: dict[str, Any] = {
            "requestedQueryCost": self.requested_cost,
            "maximumAvailable": self.maximum_cost,
        }
        # Only when throttled: the bucket's level would make every answer differ (ETags).
        if self.retry_after is not None and self.buckets and self.api_key:
            status = self.buckets.status(_bucket_key(self.api_key))
            cost["throttleStatus"] = {
                "maximumAvailable": status.maximumAvailable,
                "currentlyAvailable": status.currentlyAvailable,
                "restoreRate": status.restoreRate,
            }
        return cost


class LimitPolicy:
    """The limits of the app, and the per-key budgets when they are turned on."""

    def __init__(self, limits: QueryLimits, buckets: CostBuckets | None = None) -> None:
        self.limits, self.buckets = limits, buckets

    def for_key(self, api_key: ApiKey) -> RequestLimits:
        return RequestLimits(self.limits, api_key, self.buckets)

    def unpriced(self) -> dict[str, Any]:
        """`extensions` of an answer refused before its document was read: nothing to cost."""
        return {"cost": RequestLimits(self.limits, buckets=self.buckets).report()}


def _bucket_key(api_key: ApiKey) -> str:
    return f"{api_key.account}\n{api_key.name}"


def _too_complex(message: str, limit: str, maximum: int) -> QueryTooComplex:
    return QueryTooComplex(message, limit=limit, maximum=maximum)


COSTS_PER_DOCUMENT = 16
"""Costs a cached document keeps, one per operation and setting of its page-size variables."""


def _remembered_cost(
    cached: CachedDocument | None,
    operations: tuple[Any, ...],
    variables: Mapping[str, Any] | None,
    price: Callable[[], int],
) -> int:
    """The operations' cost, priced once per setting of what it reads of the variables.

    A cost reads a variable only as an Int page size (graph/limits/cost.py): any other
    value counts as none. So the setting is each variable's Int, or that it is not one.
    """
    if cached is None:
        return price()
    setting = tuple(
        sorted(
            (name, value if type(value) is int else None)
            for name, value in (variables or {}).items()
        )
    )
    key = ("cost", operations, setting)
    if key not in cached.derived and cached.kept("cost") >= COSTS_PER_DOCUMENT:
        return price()
    return cached.remember(key, price)


def _check_variables(variables: Mapping[str, Any] | None) -> GraphQLError | None:
    """Refuse variables nested deeper than VALUE_NESTING (a JSON argument is stored as is)
    or holding a list longer than VARIABLE_LIST_VALUES: before any of them is coerced."""
    stack: list[tuple[Any, int]] = [(value, 1) for value in (variables or {}).values()]
    while stack:
        value, depth = stack.pop()
        if depth > VALUE_NESTING:
            return BadUserInput("variables", f"values nest more than {VALUE_NESTING} levels")
        if isinstance(value, dict):
            stack += [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            if len(value) > VARIABLE_LIST_VALUES:
                return BadUserInput(
                    "variables",
                    f"a list holds {len(value)} values; at most {VARIABLE_LIST_VALUES} per list",
                )
            stack += [(item, depth + 1) for item in value]
    return None
