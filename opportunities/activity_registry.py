"""Where an opportunity's last activity comes from: a registry the activities app fills.

A provider returns an expression evaluated on an Opportunity queryset (typically a Subquery of the
latest activity linked to `OuterRef("pk")`). The inactivity reminder takes the latest of every
provider's value, `Opportunity.last_activity_at` and `Opportunity.updated_at`, in the same query as
the sweep: no loop over rows. Until the activities issue registers its provider, an opportunity's
last activity is its last edit or move (`updated_at`) or `last_activity_at` when something stamps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Expression, F
from django.db.models.functions import Coalesce, Greatest

Provider = Callable[[], Expression]

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Called from an app's ready(); registering the same name again replaces it."""
    _providers[name] = provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def last_activity_expression() -> Expression:
    """The latest activity of each opportunity, as one SQL expression (NULLs ignored by GREATEST)."""
    base = Coalesce(F("last_activity_at"), F("updated_at"))
    provided = [provider() for provider in _providers.values()]
    if not provided:
        return base
    return Greatest(base, *provided)
