"""The GraphQL layer: schema, view, context, permissions."""
