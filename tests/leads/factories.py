"""Lead factories. The tenant comes from the active scope or from the parent (a source, a lead), so
a test cannot build cross-tenant data by accident."""

from __future__ import annotations

import factory

from crm.tenancy import current_tenant
from leads.models import AssignmentRule, Lead, LeadSource, WebForm


class LeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadSource
        django_get_or_create = ("tenant", "code")

    tenant = factory.LazyFunction(current_tenant)
    code = "web_form"
    name = "Formulaire web"


class WebFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebForm

    source = factory.SubFactory(LeadSourceFactory)
    tenant = factory.SelfAttribute("source.tenant")
    name = "Contact"
    key = factory.Sequence(lambda n: f"contact-{n}")
    fields = ["first_name", "company_name", "postal_code", "phone"]
    consent_purposes = ["marketing_email"]
    thank_you_url = "https://www.example.com/merci"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written directly (no rules, no SLA): tests of the services go through lead_create."""

    class Meta:
        model = Lead

    tenant = factory.LazyFunction(current_tenant)
    first_name = "Marc"
    last_name = factory.Sequence(lambda n: f"Dubois{n:04d}")
    email = factory.Sequence(lambda n: f"marc{n}@exemple.fr")
    company_name = factory.Sequence(lambda n: f"Menuiserie {n:04d}")


class AssignmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    tenant = factory.LazyFunction(current_tenant)
    name = factory.Sequence(lambda n: f"Règle {n}")
    position = factory.Sequence(lambda n: n * 10)
