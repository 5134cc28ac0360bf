"""Account and contact factories. The tenant comes from the active scope (accounts) or from the parent
account (contacts, consents), so a test cannot build cross-tenant data by accident."""

from __future__ import annotations

import factory

from accounts.models import Account, Consent, Contact
from crm.tenancy import current_tenant
from tests.factories import UserFactory


def luhn_complete(digits: str) -> str:
    """`digits` followed by the check digit that makes the whole number pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{digits}{(10 - total % 10) % 10}"


def valid_siret(seed: int, establishment: int = 1) -> str:
    """A SIRET whose SIREN and whole number both pass the Luhn test (the INSEE rule)."""
    siren = luhn_complete(f"{(41234567 + seed * 7919) % 100_000_000:08d}")
    return luhn_complete(f"{siren}{establishment:04d}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    tenant = factory.LazyFunction(current_tenant)
    legal_name = factory.Sequence(lambda n: f"Société {n:04d}")
    owner = factory.SubFactory(UserFactory)
    account_type = Account.Type.PROSPECT


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    owner = factory.SelfAttribute("account.owner")
    first_name = "Anne"
    last_name = factory.Sequence(lambda n: f"Durand{n:04d}")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    contact = factory.SubFactory(ContactFactory)
    tenant = factory.SelfAttribute("contact.tenant")
    purpose = Consent.Purpose.MARKETING_EMAIL
    status = Consent.Status.GRANTED
    source = "web form"
