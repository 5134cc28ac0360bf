"""Web-to-lead: a visitor's submission of a public web form becomes a lead, or updates the open lead
with the same e-mail, and is linked to the contact already known by that e-mail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import identifiers
from accounts.models import Consent, Contact
from crm.models import Tenant
from leads.models import Lead, LeadConsent, WebForm
from leads.services.records import (
    UTM_FIELDS,
    Channel,
    ConsentAnswer,
    _save,
    lead_consent_record,
    lead_create,
    lead_normalize,
)

ALWAYS_ASKED = ("last_name", "email")
HONEYPOT_FIELD = "website_url"  # hidden from people by CSS; bots fill it


def consent_wording(purpose: str) -> str:
    """The sentence next to a purpose's checkbox, in the active language (recorded as proof)."""
    wordings: dict[str, Any] = {
        Consent.Purpose.MARKETING_EMAIL: _("I agree to receive news and offers by e-mail."),
        Consent.Purpose.PHONE_PROSPECTING: _("I agree to be called about offers."),
        Consent.Purpose.SMS: _("I agree to receive offers by SMS."),
        Consent.Purpose.PROFILING: _("I agree that my answers are used to tailor offers to me."),
    }
    return str(wordings.get(purpose, purpose))


@dataclass
class Submission:
    lead: Lead
    created: bool


def _require(form: WebForm, data: Mapping[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in (*ALWAYS_ASKED, *form.required_fields):
        if not (data.get(name) or "").strip():
            errors[name] = [_("This field is required.")]
    if "email" not in errors:
        try:
            identifiers.normalize_email(data["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    return errors


@transaction.atomic
def web_form_submit(
    *,
    tenant: Tenant,
    form: WebForm,
    data: Mapping[str, str],
    query: Mapping[str, str],
    ip_address: str,
    now: datetime | None = None,
) -> Submission:
    """Validate and record a submission. Everything or nothing: a refused one writes nothing."""
    now = now or timezone.now()
    errors = _require(form, data)
    if errors:
        raise ValidationError(errors)
    asked = {*ALWAYS_ASKED, *form.fields} - {"message"}
    values: dict[str, Any] = {name: data[name].strip() for name in asked if data.get(name)}
    for name in UTM_FIELDS:  # hidden fields first, then the page's query string
        value = (data.get(name) or query.get(name) or "").strip()[:200]
        if value:
            values[name] = value
    values["language"] = form.language or (data.get("language") or "")[:2] or tenant.language
    cleaned = lead_normalize(values, tenant=tenant)  # raises with the field errors
    answers = [
        ConsentAnswer(
            purpose=purpose,
            status=Consent.Status.GRANTED if data.get(f"consent_{purpose}") else Consent.Status.REFUSED,
            source=_("Web form %(form)s") % {"form": form.key},
            proof=_("Form %(key)s, IP %(ip)s, %(when)s, wording: “%(wording)s”")
            % {
                "key": form.key,
                "ip": ip_address,
                "when": now.isoformat(),
                "wording": consent_wording(purpose),
            },
        )
        for purpose in form.consent_purposes
    ]
    open_lead = (
        Lead.objects.open().select_for_update().filter(email=cleaned["email"]).order_by("-created_at").first()
    )
    if open_lead is not None:
        return Submission(_update_known_lead(open_lead, cleaned, answers), created=False)
    known = Contact.objects.filter(email=cleaned["email"]).order_by("pk").first()
    extra: dict[str, Any] = {"web_form": form, "known_contact": known}
    cleaned.update(source=form.source, campaign=form.campaign or cleaned.get("utm_campaign", ""))
    lead = lead_create(
        tenant=tenant, actor=None, data=cleaned, channel=Channel.WEB_FORM, consents=answers, extra=extra
    )
    return Submission(lead, created=True)


def _update_known_lead(lead: Lead, cleaned: dict[str, Any], answers: list[ConsentAnswer]) -> Lead:
    """The same person again: fill what the lead lacks (never overwrite what sales typed), keep the
    first source and UTM, record the new consent answers."""
    for name, value in cleaned.items():
        if name in UTM_FIELDS or name in {"language", "email"}:
            continue
        if value and not getattr(lead, name, None):
            setattr(lead, name, value)
    for answer in answers:
        previous = LeadConsent.objects.filter(lead=lead, purpose=answer.purpose).first()
        # An unticked box on a later visit is no withdrawal of an earlier consent.
        if previous is None or answer.status == Consent.Status.GRANTED:
            lead_consent_record(lead=lead, answer=answer, actor=None)
    return _save(lead, actor=None, reason=_("The same person sent a web form again"))
