"""Resolvers of object types' fields (not root fields): related objects, read through loaders."""
