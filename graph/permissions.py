"""Scope permissions: which API key scope a field or mutation needs (docs/security.md).

Attached to fields as Strawberry permission classes, so no resolver checks a scope itself.
A key without the scope gets an error with code FORBIDDEN naming the scope it lacks.
"""

from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

FORBIDDEN = "FORBIDDEN"


class ScopeRequired(BasePermission):
    """Grants the field to keys holding `scope` (or `admin`, which holds every data scope)."""

    scope: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.message = (
            f"This API key lacks the '{cls.scope}' scope, which this field needs. "
            "Ask the operator for a key with it."
        )
        cls.error_extensions = {"code": FORBIDDEN, "scope": cls.scope}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        granted: bool = info.context.api_key.grants(self.scope)
        return granted


class ReadScope(ScopeRequired):
    """Reading invoices and their events."""

    scope = "read"


class WriteScope(ScopeRequired):
    """Changing invoices through the lifecycle mutations."""

    scope = "write"


class IngestScope(ScopeRequired):
    """Pushing source-system records (akinonInvoicesIngest)."""

    scope = "ingest"


class AdminScope(ScopeRequired):
    """Managing the account's webhook subscriptions."""

    scope = "admin"


READ_PERMISSIONS: list[type[BasePermission]] = [ReadScope]
ADMIN_PERMISSIONS: list[type[BasePermission]] = [AdminScope]
