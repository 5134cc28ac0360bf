"""Field policies (layer 3 of the sharing model): sensitive fields readable or changeable only by the
roles a tenant allows. Apps register their sensitive fields with default roles; a tenant admin may
override them per field (FieldPolicy). Pages, API, exports and imports ask the same two questions:
`hidden_fields(role, model)` and `locked_fields(role, model)`. Reads are logged (`record_reads`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from crm.models import User
from crm.tenancy import current_tenant
from governance.models import FieldPolicy, SensitiveFieldRead


@dataclass(frozen=True)
class SensitiveField:
    model_label: str  # "accounts.account"
    field_name: str
    read_roles: frozenset[str]
    edit_roles: frozenset[str]


_registry: dict[tuple[str, str], SensitiveField] = {}


def register(
    model_label: str, field_name: str, *, read_roles: Iterable[str], edit_roles: Iterable[str]
) -> None:
    edit = frozenset(edit_roles)
    _registry[(model_label, field_name)] = SensitiveField(
        model_label, field_name, frozenset(read_roles) | edit, edit
    )


def sensitive_fields(model_label: str | None = None) -> list[SensitiveField]:
    return [field for key, field in sorted(_registry.items()) if model_label is None or key[0] == model_label]


def label_of(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label_lower


def _policies(model_label: str) -> dict[str, SensitiveField]:
    """Registered defaults, overridden by the tenant's own rows (one query)."""
    policies = {field.field_name: field for field in sensitive_fields(model_label)}
    if not policies:
        return policies
    for row in FieldPolicy.objects.filter(model_label=model_label, field_name__in=list(policies)):
        edit = frozenset(row.edit_roles)
        policies[row.field_name] = SensitiveField(
            model_label, row.field_name, frozenset(row.read_roles) | edit, edit
        )
    return policies


def hidden_fields(role: str, model: type[models.Model] | str) -> set[str]:
    return {name for name, policy in _policies(label_of(model)).items() if role not in policy.read_roles}


def locked_fields(role: str, model: type[models.Model] | str) -> set[str]:
    """Fields this role may not change (hidden ones included)."""
    return {name for name, policy in _policies(label_of(model)).items() if role not in policy.edit_roles}


def readable_sensitive_fields(role: str, model: type[models.Model] | str) -> set[str]:
    return {name for name, policy in _policies(label_of(model)).items() if role in policy.read_roles}


def record_reads(*, user: User, objects: Iterable[models.Model], fields: Iterable[str]) -> int:
    """Log that `user` was shown these sensitive fields of these records (one INSERT)."""
    names = sorted(set(fields))
    tenant = current_tenant()  # bulk_create skips save(): the tenant is given here
    rows = [
        SensitiveFieldRead(
            tenant=tenant, user=user, model_label=obj._meta.label_lower, object_id=obj.pk, field_name=name
        )
        for obj in objects
        for name in names
    ]
    SensitiveFieldRead.objects.bulk_create(rows)
    return len(rows)
