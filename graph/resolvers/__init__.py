"""Plain async functions behind the root fields and mutations."""
