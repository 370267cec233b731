"""Strawberry object, input, enum and scalar types."""
