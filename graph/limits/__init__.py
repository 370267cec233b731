"""Limits checked before a query touches the database: shape, cost, budgets (docs/security.md)."""
