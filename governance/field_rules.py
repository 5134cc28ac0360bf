"""Field rules: per tenant, whether a field is required, optional, computed by the system (read-only) or
synchronised from another system (read-only, except for the API keys of that integration).

Apps register their configurable fields with a default rule and the rules each field allows (a field
the model itself requires can never become optional; a field the system computes is always computed).
A tenant admin overrides the default per field (FieldRule, in the admin). Forms, API and imports obey
one enforcement point, `check_write`, which the services call before writing.
See docs/decisions/0004-field-rules.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.models import ApiKey
from governance.models import FieldRule

Rule = FieldRule.Rule
READ_ONLY_RULES = frozenset({Rule.COMPUTED, Rule.SYNCHRONISED})


@dataclass(frozen=True)
class ConfigurableField:
    model_label: str  # "accounts.contact"
    field_name: str
    default: str
    allowed: frozenset[str]


@dataclass(frozen=True)
class EffectiveRule:
    """The rule that applies to one field in the current tenant."""

    rule: str
    integration: str = ""

    @property
    def is_read_only(self) -> bool:
        return self.rule in READ_ONLY_RULES


_registry: dict[tuple[str, str], ConfigurableField] = {}


def register(model_label: str, field_name: str, *, default: str, allowed: Iterable[str] = ()) -> None:
    """Make a field configurable. `allowed` holds the rules a tenant may choose (the default included)."""
    permitted = frozenset({default, *allowed})
    if not permitted <= set(Rule.values):
        raise ValueError(f"Unknown field rule for {model_label}.{field_name}: {sorted(permitted)}")
    _registry[(model_label, field_name)] = ConfigurableField(model_label, field_name, default, permitted)


def configurable_fields(model_label: str | None = None) -> list[ConfigurableField]:
    return [item for key, item in sorted(_registry.items()) if model_label is None or key[0] == model_label]


def configurable_field(model_label: str, field_name: str) -> ConfigurableField | None:
    return _registry.get((model_label, field_name))


def label_of(model: type[models.Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label_lower


def field_verbose_name(model_label: str, field_name: str) -> str:
    """The record type and the field, in the active language: "Contact · work email"."""
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        return f"{model_label}.{field_name}"
    try:
        name = str(model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:
        name = field_name.replace("_", " ")
    return f"{capfirst(str(model._meta.verbose_name))} · {name}"


def rules(model: type[models.Model] | str) -> dict[str, EffectiveRule]:
    """Every configurable field of `model` with the rule of the current tenant (one query). A stored
    rule the field no longer allows (the registry changed since) falls back to the default."""
    model_label = label_of(model)
    registered = {item.field_name: item for item in configurable_fields(model_label)}
    effective = {name: EffectiveRule(item.default) for name, item in registered.items()}
    if not registered:
        return effective
    rows = FieldRule.objects.filter(model_label=model_label, field_name__in=list(registered))
    for row in rows:
        if row.rule in registered[row.field_name].allowed:
            effective[row.field_name] = EffectiveRule(
                row.rule, row.integration if row.rule == Rule.SYNCHRONISED else ""
            )
    return effective


def rule_errors(*, model_label: str, field_name: str, rule: str, integration: str) -> dict[str, list[str]]:
    """Why a tenant may not choose this rule for this field (empty when it may): for the admin."""
    item = configurable_field(model_label, field_name)
    if item is None:
        return {"field": [_("This field cannot be configured.")]}
    if rule not in item.allowed:
        allowed = ", ".join(str(Rule(value).label).lower() for value in Rule.values if value in item.allowed)
        return {
            "rule": [
                _("“%(field)s” cannot be %(rule)s. Allowed: %(allowed)s.")
                % {
                    "field": field_verbose_name(model_label, field_name),
                    "rule": str(Rule(rule).label).lower() if rule in Rule.values else rule,
                    "allowed": allowed,
                }
            ]
        }
    if rule == Rule.SYNCHRONISED and not integration:
        return {"integration": [_("Choose the integration this field is synchronised from.")]}
    return {}


def hint(effective: EffectiveRule) -> str:
    """The short hint shown beside a read-only field."""
    if effective.rule == Rule.SYNCHRONISED:
        return _("Synchronised from %(integration)s.") % {"integration": effective.integration}
    if effective.rule == Rule.COMPUTED:
        return _("Computed.")
    return ""


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple | set | dict) and not value)


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if _is_empty(value):
        return None
    if isinstance(value, list | tuple):
        return list(value)
    return value


def current_value(record: models.Model, field_name: str) -> Any:
    """A record's value, comparable with what a caller gives (a related record as its id)."""
    try:
        field = record._meta.get_field(field_name)
    except FieldDoesNotExist:
        return getattr(record, field_name, None)  # a property, like a computed status
    return getattr(record, getattr(field, "attname", field_name), None)


def is_change(record: models.Model, field_name: str, value: Any) -> bool:
    current = current_value(record, field_name)
    return _comparable(value) != _comparable(current) and str(_comparable(value)) != str(_comparable(current))


def check_write(
    model: type[models.Model],
    data: Mapping[str, Any],
    *,
    current: models.Model | None,
    integration: str = "",
    loaded: dict[str, EffectiveRule] | None = None,
) -> None:
    """The one enforcement point of the field rules, called by the services before any write.

    On creation (`current` is None) a required field needs a value (given, or the model's default);
    on an update only the fields given are checked, so a partial update does not fail on a field it
    does not touch. A computed or synchronised field may not be set or changed, except a synchronised
    one by the API keys of its integration (`integration`); giving its current value is no change.
    Raises ValidationError with one message per field, in the active language. `loaded` (the rules
    read once, `rules(model)`) spares a query per record in batches."""
    errors: dict[str, list[str]] = {}
    record = current if current is not None else model()
    for name, effective in (rules(model) if loaded is None else loaded).items():
        if effective.rule == Rule.REQUIRED:
            if name in data:
                value = data[name]
            elif current is None:
                value = current_value(record, name)
            else:
                continue
            if _is_empty(value):
                errors[name] = [_("This field is required.")]
        elif effective.is_read_only and name in data:
            if effective.rule == Rule.SYNCHRONISED and integration and integration == effective.integration:
                continue
            if not is_change(record, name, data[name]):
                continue
            errors[name] = [
                _("This field is synchronised from %(integration)s: only that integration may change it.")
                % {"integration": effective.integration}
                if effective.rule == Rule.SYNCHRONISED
                else _("This field is computed: it cannot be changed.")
            ]
    if errors:
        raise ValidationError(errors)


def integration_names() -> list[str]:
    """The integrations of the current tenant's active API keys, for choosing a rule's source."""
    return sorted(
        set(
            ApiKey.objects.filter(revoked_at__isnull=True)
            .exclude(integration="")
            .values_list("integration", flat=True)
        )
    )
