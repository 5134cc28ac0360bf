"""Factories. Tenant-owned factories take the tenant from their parent object or the active scope,
so a test cannot build cross-tenant data by accident."""

from __future__ import annotations

import factory

from crm.models import Membership, Tenant, User
from crm.roles import Role
from crm.tenancy import current_tenant
from governance.models import Team, TeamMember

PASSWORD = "secret-pass-123"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Société {n}")
    slug = factory.Sequence(lambda n: f"societe-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.LazyFunction(current_tenant)
    user = factory.SubFactory(UserFactory)
    role = Role.FIELD_SALES_REP


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    tenant = factory.LazyFunction(current_tenant)
    name = factory.Sequence(lambda n: f"Équipe {n}")


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    tenant = factory.SelfAttribute("team.tenant")
    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
