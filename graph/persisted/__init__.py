"""Persisted queries: APQ, documentId lookups and trusted-document manifests."""
