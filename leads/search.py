"""Leads in the global search (governance.search): found by name, e-mail, phone, company, SIRET and
city; visibility is `Lead.visible_to(membership)`."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.search import phone_forms
from crm.models import Membership
from governance import search
from leads.models import Lead

LEAD = "leads.lead"


def lead_document(lead: Lead) -> search.Document:
    subtitle = " · ".join(part for part in (lead.company_name, lead.email, lead.get_status_display()) if part)
    text = " ".join(
        part
        for part in (
            lead.first_name,
            lead.last_name,
            lead.email,
            *phone_forms(lead.phone),
            lead.company_name,
            lead.siret,
            lead.postal_code,
            lead.city,
        )
        if part
    )
    return search.Document(title=f"{lead.first_name} {lead.last_name}".strip(), subtitle=subtitle, text=text)


def visible_leads(membership: Membership, ids: list[int]) -> Iterable[Lead]:
    return Lead.objects.visible_to(membership).filter(pk__in=ids)


def register_search() -> None:
    search.register(
        search.SearchType(
            object_type=LEAD,
            model=Lead,
            indexer=lead_document,
            visible=visible_leads,
            url=lambda lead: reverse("leads:lead_detail", args=[lead.pk]),
            label=_("Leads"),
            permission="leads.view_lead",
            order=30,
        )
    )
