"""The permission classes every mutation carries (graph/permissions.py, docs/security.md)."""

from strawberry.permission import BasePermission

from graph.permissions import AdminScope, IngestScope, WriteScope

WRITE_PERMISSIONS: list[type[BasePermission]] = [WriteScope]
"""The lifecycle mutations': the key needs the `write` scope."""

INGEST_PERMISSIONS: list[type[BasePermission]] = [IngestScope]
"""akinonInvoicesIngest's: the key needs the `ingest` scope."""

ADMIN_PERMISSIONS: list[type[BasePermission]] = [AdminScope]
"""The webhook subscription mutations': the key needs the `admin` scope."""
