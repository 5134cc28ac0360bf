"""What must be done before a lead is converted: a registry of named checks. A tenant picks the ones
it wants (LeadSettings.conversion_prerequisites); other apps add theirs from AppConfig.ready()
(the activities issue: "a call or meeting logged") without editing leads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from leads.models import Lead


@dataclass(frozen=True)
class Prerequisite:
    name: str
    label: Any  # a lazy translation
    check: Callable[[Lead], bool]


_registry: dict[str, Prerequisite] = {}


def register(name: str, label: Any, check: Callable[[Lead], bool]) -> None:
    _registry[name] = Prerequisite(name, label, check)


def get(name: str) -> Prerequisite | None:
    return _registry.get(name)


def choices() -> list[tuple[str, Any]]:
    return [(item.name, item.label) for item in _registry.values()]


def missing(lead: Lead, names: list[str]) -> list[Prerequisite]:
    """The prerequisites among `names` the lead does not meet (unknown names are ignored: an app that
    registered one may have been removed)."""
    return [item for name in names if (item := _registry.get(name)) is not None and not item.check(lead)]


def _qualified(lead: Lead) -> bool:
    return lead.status == lead.Status.QUALIFIED


def _qualification_complete(lead: Lead) -> bool:
    from leads.services.qualification import qualification_is_complete

    return qualification_is_complete(lead)


def _first_contact(lead: Lead) -> bool:
    return lead.first_contacted_at is not None


def register_defaults() -> None:
    register("qualified", _("The lead is qualified"), _qualified)
    register("qualification_complete", _("The qualification grid is complete (BANT or own questions)"),
             _qualification_complete)  # fmt: skip
    register("first_contact", _("The first contact is logged"), _first_contact)
