"""Qualification: BANT by default, or the tenant's own questions; qualify and disqualify."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from leads.models import Lead, LeadSettings
from leads.services.config import lead_settings
from leads.services.records import _locked, _refuse_closed, _save

BANT_FIELDS = ("budget", "authority", "need", "timeline")


def custom_questions(settings: LeadSettings | None = None) -> list[dict[str, str]]:
    settings = settings or lead_settings()
    if settings.qualification_grid != LeadSettings.Grid.CUSTOM:
        return []
    return [item for item in settings.custom_questions if isinstance(item, dict) and item.get("key")]


def qualification_is_complete(lead: Lead, settings: LeadSettings | None = None) -> bool:
    settings = settings or lead_settings()
    if settings.qualification_grid == LeadSettings.Grid.CUSTOM:
        answers = lead.qualification_answers or {}
        return all(str(answers.get(item["key"], "")).strip() for item in custom_questions(settings))
    return lead.bant_is_complete


@transaction.atomic
def lead_qualification_save(
    *, lead: Lead, actor: User | None, data: dict[str, Any], expected_version: int | None = None
) -> Lead:
    """Save the BANT fields and the answers to the tenant's questions (only those given)."""
    current = _locked(lead, expected_version)
    _refuse_closed(current)
    for name in BANT_FIELDS:
        if name in data:
            setattr(current, name, (data[name] or "").strip())
    if current.timeline and current.timeline not in Lead.Timeline.values:
        raise ValidationError({"timeline": _("Choose a timeline from the list.")})
    if "answers" in data:
        keys = {item["key"] for item in custom_questions()}
        answers = {key: str(value).strip() for key, value in (data["answers"] or {}).items() if key in keys}
        current.qualification_answers = answers
    return _save(current, actor=actor, reason=_("Qualification updated"))


@transaction.atomic
def lead_qualify(*, lead: Lead, actor: User | None) -> Lead:
    current = _locked(lead)
    _refuse_closed(current)
    current.status = Lead.Status.QUALIFIED
    current.unqualified_reason, current.unqualified_note = "", ""
    return _save(current, actor=actor, reason=_("Qualified"))


@transaction.atomic
def lead_disqualify(*, lead: Lead, actor: User | None, reason: str, note: str = "") -> Lead:
    """Unqualified, with a reason from the list (required) and details (required for "other")."""
    current = _locked(lead)
    _refuse_closed(current)
    if reason not in Lead.UnqualifiedReason.values:
        raise ValidationError({"reason": _("Choose why this lead is unqualified.")})
    if reason == Lead.UnqualifiedReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why this lead is unqualified.")})
    current.status = Lead.Status.UNQUALIFIED
    current.unqualified_reason, current.unqualified_note = reason, note.strip()
    return _save(current, actor=actor, reason=_("Unqualified"))
