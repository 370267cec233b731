"""A request's variables coerced as graphql-core's `get_variable_values` coerces them, with
each operation's variable types looked up in the schema once.

`get_variable_values` works out every variable's type from the schema on every request;
the operation of a cached document has the same variables every time. Given a value, a
variable of a scalar or enum type (nullable or not) is coerced by its type alone, which is
all `get_variable_values` does for it. Every other case takes `get_variable_values` itself,
with its errors: a variable left out (a default may apply), a list or input object (whose
nesting it bounds first), a value the type refuses, a type the schema lacks.
"""

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.get_variable_signature import (
    GraphQLVariableSignature,
    get_variable_signature,
)
from graphql.execution.values import (
    VariableValues,
    VariableValuesOrErrors,
    VariableValueSource,
    get_variable_values,
)
from graphql.utilities import coerce_input_value

from graph.document_cache import CachedDocument

Signatures = tuple[GraphQLVariableSignature, ...]


def coerce_variables(
    schema: GraphQLSchema,
    cached: CachedDocument,
    operation: OperationDefinitionNode,
    inputs: dict[str, object],
) -> VariableValuesOrErrors:
    """`get_variable_values(schema, operation's definitions, inputs)`, the same result."""
    # A document names each operation once; an unnamed one is its only operation.
    name = operation.name.value if operation.name else None
    signatures = cached.remember(("leaf variables", name), lambda: _leaves(schema, operation))
    if signatures is not None:
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, object] = {}
        for signature in signatures:
            value = inputs.get(signature.name, Undefined)
            if value is Undefined:
                break
            result = coerce_input_value(value, signature.type)
            if result is Undefined:
                break
            sources[signature.name] = VariableValueSource(signature, value)
            coerced[signature.name] = result
        else:
            return VariableValues(sources, coerced)
    return get_variable_values(schema, operation.variable_definitions or (), inputs)


def _leaves(schema: GraphQLSchema, operation: OperationDefinitionNode) -> Signatures | None:
    """The operation's variables when each is of a known scalar or enum type; else None."""
    signatures = []
    for node in operation.variable_definitions or ():
        signature = get_variable_signature(schema, node)
        if isinstance(signature, GraphQLError):
            return None
        if not is_leaf_type(get_nullable_type(signature.type)):
            return None
        signatures.append(signature)
    return tuple(signatures)
