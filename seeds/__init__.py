"""Source-system models and mappers (Akinon -> fabric), ingest, demo data."""
