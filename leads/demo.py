"""Demo leads for `seed_demo`: the default sources, a web form with a stable key (README), two
assignment rules (one round robin over a team), and leads: one assigned by each rule, one whose
first-contact SLA is breached, one waiting in the queue. Idempotent (keyed on e-mails and codes)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Consent
from crm.models import Membership, Tenant
from governance.models import Team
from leads.models import AssignmentRule, Lead, LeadSettings, LeadSource, WebForm
from leads.services import lead_create, lead_sources_seed

DEMO_FORM_KEY = "contact-demo"

# first name, last name, e-mail, company, postal code, city, country
DEMO_LEADS = [
    ("Marc", "Dubois", "marc.dubois@menuiserie-dubois.example", "Menuiserie Dubois", "69007", "Lyon", "FR"),
    ("Inès", "Morel", "ines.morel@logistique-morel.example", "Logistique Morel", "59000", "Lille", "FR"),
    ("Paul", "Girard", "paul.girard@girard-btp.example", "Girard BTP", "75011", "Paris", "FR"),
    ("Anouk", "Peeters", "anouk.peeters@brabant-foods.example", "Brabant Foods", "1000", "Bruxelles", "BE"),
]


def seed_leads(tenant: Tenant, memberships: dict[str, Membership]) -> str:
    lead_sources_seed(tenant=tenant)
    web = LeadSource.objects.get(code="web_form")
    team = Team.objects.filter(name="Équipe Île-de-France et Nord").first()
    LeadSettings.objects.get_or_create(tenant=tenant, defaults={"fallback_team": None})
    form_values = {
        "name": "Contact (site web)",
        "source": web,
        "campaign": "Site web",
        "fields": ["first_name", "phone", "company_name", "postal_code", "city", "country", "message"],
        "required_fields": ["first_name", "company_name"],
        "consent_purposes": [Consent.Purpose.MARKETING_EMAIL, Consent.Purpose.PHONE_PROSPECTING],
        "thank_you_url": "https://www.example.com/merci",
    }
    # create_defaults replaces defaults on creation: both carry every value.
    WebForm.objects.update_or_create(
        key=DEMO_FORM_KEY,
        defaults=form_values,
        create_defaults={"tenant": tenant, "key": DEMO_FORM_KEY, **form_values},
    )
    AssignmentRule.objects.update_or_create(
        name="Rhône → Camille Roux",
        defaults={"position": 10, "country": "FR", "postal_code_prefix": "69",
                  "target_user": memberships["terrain.lyon"].user},
        create_defaults={"tenant": tenant, "name": "Rhône → Camille Roux", "position": 10, "country": "FR",
                         "postal_code_prefix": "69", "target_user": memberships["terrain.lyon"].user},
    )  # fmt: skip
    if team is not None:
        AssignmentRule.objects.update_or_create(
            name="France → équipe Île-de-France et Nord (à tour de rôle)",
            defaults={"position": 20, "country": "FR", "target_team": team},
            create_defaults={"tenant": tenant, "name": "France → équipe Île-de-France et Nord (à tour de rôle)",
                             "position": 20, "country": "FR", "target_team": team},
        )  # fmt: skip
    created = 0
    for first, last, email, company, postal_code, city, country in DEMO_LEADS:
        if Lead.objects.filter(email=email).exists():
            continue
        lead_create(
            tenant=tenant,
            actor=memberships["marketing"].user,
            data={"first_name": first, "last_name": last, "email": email, "company_name": company,
                  "postal_code": postal_code, "city": city, "country": country, "source": web,
                  "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "printemps-2026"},
        )  # fmt: skip
        created += 1
    # Left alone for two days: its first contact is overdue, flagged and escalated.
    two_days_ago = timezone.now() - timedelta(days=2)
    Lead.objects.filter(email=DEMO_LEADS[1][2], first_contacted_at__isnull=True).update(
        created_at=two_days_ago,
        funnel_entered_at=two_days_ago,
        first_contact_due_at=two_days_ago + timedelta(hours=24),
        sla_breached_at=two_days_ago + timedelta(hours=24),
        sla_escalated_at=two_days_ago + timedelta(hours=24),
    )
    return f"{created} leads, web form /forms/{tenant.slug}/{DEMO_FORM_KEY}/, 2 assignment rules"
