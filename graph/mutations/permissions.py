"""The permission classes every mutation carries.

Empty until API key scopes are enforced: the security work adds its `write`-scope
permission class here, and every mutation field picks it up.
"""

from strawberry.permission import BasePermission

WRITE_PERMISSIONS: list[type[BasePermission]] = []

INGEST_PERMISSIONS: list[type[BasePermission]] = []
"""akinonInvoicesIngest's: the security work adds its `ingest`-scope permission class here."""
