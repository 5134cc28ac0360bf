"""Form behaviour shared by every app: the tenant's field rules applied to any ModelForm."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from governance import field_rules


class FieldRulesFormMixin:
    """Applies the current tenant's field rules to a ModelForm's fields: a required field is required,
    an optional one is not, a computed or synchronised one is disabled with a hint ("Synchronised from
    erp.") so that a posted value is ignored: Django cleans a disabled field to its initial value, the
    record's own, which the services accept as no change.

    The rules are applied after the `__init__` of every subclass (wrapped at class creation), so a
    form built on these classes, with its own `__init__` that rebuilds a field, still obeys them; and
    once more before cleaning. The rules are read once per form (one query)."""

    _field_rules: dict[str, field_rules.EffectiveRule]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "applies_field_rules", False):
            cls.__init__ = _applying_rules_after(init)  # type: ignore[method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_field_rules()

    def apply_field_rules(self) -> None:
        if not hasattr(self, "_field_rules"):
            self._field_rules = field_rules.rules(self._meta.model)  # type: ignore[attr-defined]
        fields = self.fields  # type: ignore[attr-defined]
        for name, effective in self._field_rules.items():
            field = fields.get(name)
            if field is None:
                continue
            if effective.rule == field_rules.Rule.REQUIRED:
                field.required = True
            elif effective.rule == field_rules.Rule.OPTIONAL:
                field.required = False
            else:
                field.disabled = True
                field.required = False
                field.help_text = field_rules.hint(effective)

    def full_clean(self) -> None:
        self.apply_field_rules()
        super().full_clean()  # type: ignore[misc]


def _applying_rules_after(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def wrapped(self: FieldRulesFormMixin, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.apply_field_rules()

    wrapped.applies_field_rules = True  # type: ignore[attr-defined]
    return wrapped
