"""Writes on leads: create (from a page, the API, an import or a web form), update, assign, log the
first contact. Each is atomic, records the acting user in the history and refuses a stale version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import identifiers
from accounts.models import TerritoryRule
from accounts.services import StaleVersion
from accounts.territories import territory_among
from crm import events
from crm.history import copy_to_history
from crm.models import Membership, Tenant, User
from governance import search
from governance.field_policies import locked_fields
from leads.models import Lead, LeadConsent
from leads.services.assignment import assignment_pick, assignment_pick_many
from leads.services.config import first_contact_deadline, lead_settings

# Told (crm.events) each time a lead gets an owner, on commit: the activities app gives the owner a
# follow-up task and a notification.
LEAD_ASSIGNED = "lead.assigned"
events.register_event(LEAD_ASSIGNED, gettext_lazy("A lead is assigned to me"), "app", order=20)
# Told once when a lead's first contact is logged (page, API or a logged call): the activities app
# closes the owner's follow-up task. Nobody is notified of it.
LEAD_FIRST_CONTACTED = "lead.first_contacted"
events.register_event(LEAD_FIRST_CONTACTED, None)


def _announce_assigned(lead: Lead, actor: User | None) -> None:
    if lead.owner_id is not None:
        events.emit(
            LEAD_ASSIGNED, lead_id=lead.pk, owner_id=lead.owner_id, actor_id=actor.pk if actor else None
        )


# What pages, the API and imports may write; status, assignment and SLA columns have their own services.
LEAD_FIELDS = (
    "salutation", "first_name", "last_name", "email", "phone", "job_title", "language", "company_name",
    "siret", "country", "postal_code", "city", "segment", "partner", "product_of_interest", "source",
    "campaign", "utm_source",
    "utm_medium", "utm_campaign", "utm_term", "utm_content", "score", "funnel_entered_at", "owner",
)  # fmt: skip
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class Channel:
    PAGE = "page"
    API = "api"
    IMPORT = "import"
    WEB_FORM = "web_form"


@dataclass(frozen=True)
class ConsentAnswer:
    """One answer given with a lead (a web form's checkbox), and its proof."""

    purpose: str
    status: str
    source: str
    proof: str


def _collect(errors: dict[str, list[str]], name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)
        return args[0] if args else None


def lead_normalize(data: dict[str, Any], *, tenant: Tenant) -> dict[str, Any]:
    """Names tidied, phone in E.164, e-mail, SIRET, country and postal code checked; a last name
    required and a score between 0 and 100. Raises ValidationError with every field's problem."""
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for name in ("first_name", "last_name", "job_title", "company_name", "city"):
        if data.get(name):
            data[name] = identifiers.normalize_name(data[name])
    if not (data.get("last_name") or "").strip():
        errors["last_name"] = [_("This field is required.")]
    if data.get("email"):
        data["email"] = _collect(errors, "email", identifiers.normalize_email, data["email"])
    if data.get("country"):
        data["country"] = _collect(errors, "country", identifiers.normalize_country, data["country"])
    country = data.get("country") or tenant.country
    if data.get("phone"):
        data["phone"] = _collect(
            errors, "phone", identifiers.normalize_phone, data["phone"], default_region=country
        )
    if data.get("siret"):
        data["siret"] = _collect(errors, "siret", identifiers.normalize_siret, data["siret"])
    if data.get("postal_code") and "country" not in errors:
        data["postal_code"] = _collect(
            errors, "postal_code", identifiers.normalize_postal_code, data["postal_code"], country=country
        )
    score = data.get("score")
    if score not in (None, ""):
        try:
            score = int(score)
        except (TypeError, ValueError):
            score = -1
        if not 0 <= score <= 100:
            errors.setdefault("score", []).append(_("The score goes from 0 to 100."))
        data["score"] = score
    if errors:
        raise ValidationError(errors)
    return data


def _refuse_locked_fields(role: str | None, data: dict[str, Any], current: Lead | None) -> None:
    if role is None:
        return
    refused = {
        name
        for name in locked_fields(role, Lead)
        if name in data and data[name] != (getattr(current, name) if current is not None else None)
    }
    if refused:
        raise ValidationError({name: _("Your role may not change this field.") for name in sorted(refused)})


def _set_history(record: Any, *, actor: User | None, reason: str = "") -> None:
    record._history_user = actor
    if reason:
        record._change_reason = reason


def _place_in_territory(lead: Lead) -> None:
    """The territory the accounts' rules give the lead's country, postal code and segment."""
    if not lead.postal_code:
        lead.territory_id = None
        return
    rules = TerritoryRule.objects.filter(country=lead.country)
    lead.territory_id = territory_among(
        rules, country=lead.country, postal_code=lead.postal_code, segment_id=lead.segment_id
    )


def _assign_by_rules(lead: Lead) -> None:
    rule, user_id = assignment_pick(lead)
    lead.assignment_rule = rule
    lead.owner_id = user_id
    lead.assigned_at = timezone.now() if user_id is not None else None


def _channel_reason(channel: str) -> str:
    return {
        Channel.PAGE: "",
        Channel.API: _("Created through the API"),
        Channel.IMPORT: _("Imported"),
        Channel.WEB_FORM: _("Received from a web form"),
    }.get(channel, "")


@transaction.atomic
def lead_create(
    *,
    tenant: Tenant,
    actor: User | None,
    data: dict[str, Any],
    channel: str = Channel.PAGE,
    consents: Iterable[ConsentAnswer] = (),
    role: str | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> Lead:
    """Create a lead: normalised, placed in its territory, assigned (the owner given, else the first
    matching assignment rule, else the fallback queue), its first contact due by the SLA of its source
    or tenant. `extra` sets fields callers other than pages may set (a web form, a known contact)."""
    _refuse_locked_fields(role, data, None)
    cleaned = lead_normalize(data, tenant=tenant)
    values = {name: cleaned[name] for name in LEAD_FIELDS if name in cleaned and cleaned[name] is not None}
    lead = Lead(tenant=tenant, **values, **(extra or {}))
    lead.full_clean(exclude=["tenant"])
    _place_in_territory(lead)
    now = timezone.now()
    lead.created_at = now
    if lead.owner_id is not None:
        lead.assigned_at = now
    else:
        _assign_by_rules(lead)
    lead.first_contact_due_at = first_contact_deadline(
        tenant=tenant, start=now, source=lead.source, settings=lead_settings()
    )
    # One or the other: the history's change reason holds 100 characters.
    _set_history(lead, actor=actor, reason=reason or _channel_reason(channel))
    lead.save()
    for answer in consents:
        lead_consent_record(lead=lead, answer=answer, actor=actor)
    search.index(lead)
    _announce_assigned(lead, actor)
    return lead


# A lead written by a batch: the new lead, or why it was kept out.
LeadResult = Lead | ValidationError
_RELATIONS = tuple(field.name for field in Lead._meta.concrete_fields if field.is_relation)


@transaction.atomic
def lead_create_many(
    *,
    tenant: Tenant,
    actor: User | None,
    rows: list[dict[str, Any]],
    channel: str = Channel.IMPORT,
    role: str | None = None,
    commit: bool = True,
) -> list[LeadResult]:
    """Create a lead per row as lead_create does (normalised, placed in its territory, assigned by the
    rules or sent to the queue, its first contact due by the SLA of its source), in a number of queries
    that does not grow with the rows. A row whose e-mail is already on an open lead of the company is
    refused as a duplicate (its reason only, never the other lead: the author may not see it). Returns,
    per row, the new lead or the ValidationError that kept it out; without `commit`, checks every rule
    and writes nothing (an import's dry run). Relations in `rows` are instances the caller loaded."""
    if not rows:
        return []
    results: list[LeadResult] = []
    built: list[Lead] = []
    now = timezone.now()
    for data in rows:
        try:  # lead_create's checks, in its order
            _refuse_locked_fields(role, data, None)
            cleaned = lead_normalize(data, tenant=tenant)
            values = {name: cleaned[name] for name in LEAD_FIELDS if cleaned.get(name) is not None}
            lead = Lead(tenant=tenant, **values)
            lead.clean_fields(exclude=["tenant", *_RELATIONS])  # the caller's instances, no query each
            lead.clean()
        except ValidationError as error:
            results.append(error)
            continue
        lead.created_at = now
        results.append(lead)
        built.append(lead)
    emails = {lead.email.lower() for lead in built if lead.email}
    taken = set()
    if emails:
        known = Lead.objects.open().filter(email__in=emails).values_list("email", flat=True)
        taken = {email.lower() for email in known}
    for index, result in enumerate(results):
        if isinstance(result, Lead) and result.email and result.email.lower() in taken:
            results[index] = ValidationError(
                {"email": _("Duplicate: an open lead already has this e-mail.")}, code="duplicate"
            )
    new = [result for result in results if isinstance(result, Lead)]
    rules = TerritoryRule.objects.filter(country__in={lead.country for lead in new if lead.postal_code})
    territory_rules = list(rules) if any(lead.postal_code for lead in new) else []
    for lead in new:
        lead.territory_id = (
            territory_among(
                territory_rules,
                country=lead.country,
                postal_code=lead.postal_code,
                segment_id=lead.segment_id,
            )
            if lead.postal_code
            else None
        )
    unowned = [lead for lead in new if lead.owner_id is None]
    for lead, (rule, user_id) in zip(unowned, assignment_pick_many(unowned, commit=commit), strict=True):
        lead.assignment_rule, lead.owner_id = rule, user_id
    settings = lead_settings()
    deadlines: dict[int | None, Any] = {}  # per source: one calendar read each at most
    for lead in new:
        if lead.owner_id is not None:
            lead.assigned_at = now
        if lead.source_id not in deadlines:
            deadlines[lead.source_id] = first_contact_deadline(
                tenant=tenant, start=now, source=lead.source, settings=settings
            )
        lead.first_contact_due_at = deadlines[lead.source_id]
    if new and commit:
        Lead.objects.bulk_create(new)
        copy_to_history(
            Lead,
            [lead.pk for lead in new],
            history_type="+",
            user=actor,
            change_reason=_channel_reason(channel),
        )
        search.index_many(new)
        for lead in new:
            _announce_assigned(lead, actor)
    return results


def lead_consent_record(*, lead: Lead, answer: ConsentAnswer, actor: User | None) -> LeadConsent:
    """The lead's latest answer for a purpose (the earlier one stays in the history)."""
    consent = LeadConsent.objects.select_for_update().filter(lead=lead, purpose=answer.purpose).first()
    consent = consent or LeadConsent(tenant=lead.tenant, lead=lead, purpose=answer.purpose)
    consent.status, consent.source, consent.proof = answer.status, answer.source, answer.proof
    consent.recorded_at = timezone.now()
    consent._history_user = actor  # type: ignore[attr-defined,union-attr]
    consent.save()
    return consent


def _locked(lead: Lead, expected_version: int | None = None) -> Lead:
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this lead since you opened it. Reload it to see their changes.")
        )
    return current


def _save(current: Lead, *, actor: User | None, reason: str = "") -> Lead:
    current.version = F("version") + 1  # type: ignore[assignment]
    _set_history(current, actor=actor, reason=reason)
    current.save()
    current.refresh_from_db()
    search.index(current)
    return current


def _refuse_closed(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(_("This lead is converted: it can no longer change."))


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int | None = None,
    role: str | None = None,
    reason: str = "",
) -> Lead:
    """Apply `data` (only the fields it holds). A new owner counts as an assignment; a new address or
    segment re-places the lead in its territory."""
    current = _locked(lead, expected_version)
    _refuse_closed(current)
    _refuse_locked_fields(role, data, current)
    merged = {name: getattr(current, name) for name in LEAD_FIELDS} | dict(data)
    cleaned = lead_normalize(merged, tenant=current.tenant)
    owner_before = current.owner_id
    place_before = (current.country, current.postal_code, current.segment_id)
    for name in LEAD_FIELDS:
        if name in data:
            setattr(current, name, cleaned[name])
    current.full_clean(exclude=["tenant"])
    if (current.country, current.postal_code, current.segment_id) != place_before:
        _place_in_territory(current)
    if current.owner_id != owner_before:
        current.assigned_at = timezone.now() if current.owner_id else None
        current.assignment_rule = None
    saved = _save(current, actor=actor, reason=reason)
    if saved.owner_id != owner_before:
        _announce_assigned(saved, actor)
    return saved


@transaction.atomic
def lead_assign(*, lead: Lead, actor: User | None, owner: User | None = None) -> Lead:
    """Give the lead to `owner`, or, without one, to whoever the assignment rules pick (the queue if
    none matches)."""
    current = _locked(lead)
    _refuse_closed(current)
    if owner is not None:
        if not Membership.objects.filter(user=owner, is_active=True).exists():
            raise ValidationError({"owner": _("This person is not an active member of the company.")})
        current.owner, current.assignment_rule = owner, None
        current.assigned_at = timezone.now()
        reason = _("Assigned by hand")
    else:
        _assign_by_rules(current)
        reason = _("Assigned by the rules") if current.owner_id else _("Sent to the queue: no rule matches")
    saved = _save(current, actor=actor, reason=reason)
    _announce_assigned(saved, actor)
    return saved


@transaction.atomic
def lead_log_first_contact(*, lead: Lead, actor: User | None, at: Any = None) -> Lead:
    """Stop the first-contact clock (once: a second call changes nothing). A new lead moves to
    qualification. The activities issue calls this when a call or an e-mail is logged."""
    current = _locked(lead)
    if current.first_contacted_at is not None:
        return current
    _refuse_closed(current)
    current.first_contacted_at = at or timezone.now()
    if current.status == Lead.Status.NEW:
        current.status = Lead.Status.QUALIFYING
    saved = _save(current, actor=actor, reason=_("First contact logged"))
    events.emit(LEAD_FIRST_CONTACTED, lead_id=saved.pk, actor_id=actor.pk if actor else None)
    return saved
