"""Everything that touches MongoDB: client, documents, indexes, repositories."""
