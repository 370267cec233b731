"""The mutations, one module each: the lifecycle of an invoice (docs/lifecycle.md)."""
