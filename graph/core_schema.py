"""graphql-core's schema behind a Strawberry schema: the one place that reaches it."""

import strawberry
from graphql import GraphQLSchema


def core_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The GraphQLSchema that Strawberry built and executes with.

    Validation, cost and compiled plans need graphql-core's schema itself (its scalars parse
    the variables), not one rebuilt from the SDL. Strawberry (0.341) has no public accessor:
    its `_schema` attribute is the only way in, read here and nowhere else.
    """
    return schema._schema
