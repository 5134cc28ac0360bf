"""Activity factories (shared by the activity helpers: e-mail, tasks, agenda, demo data).

`ActivityTypeFactory(code=...)` returns the tenant's type of that code (created when missing);
`ActivityFactory` writes a row directly (no effects): tests of the effects go through
activities.services.activity_create."""

from __future__ import annotations

import factory
from django.utils import timezone

from activities.models import Activity, ActivityContact, ActivityType
from crm.tenancy import current_tenant
from tests.factories import UserFactory


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityType
        django_get_or_create = ("tenant", "code")

    tenant = factory.LazyFunction(current_tenant)
    code = "outbound_call"
    kind = factory.LazyAttribute(
        lambda o: next((kind for code, _l, kind, _i in ActivityType.DEFAULTS if code == o.code), "note")
    )
    icon = factory.LazyAttribute(
        lambda o: next((icon for code, _l, _k, icon in ActivityType.DEFAULTS if code == o.code), "")
    )


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    tenant = factory.LazyFunction(current_tenant)
    type = factory.SubFactory(ActivityTypeFactory, tenant=factory.SelfAttribute("..tenant"))
    subject = factory.Sequence(lambda n: f"Appel {n:04d}")
    owner = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(timezone.now)
    status = Activity.Status.DONE

    @factory.post_generation
    def contacts(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            ActivityContact.objects.bulk_create(
                [ActivityContact(tenant=self.tenant, activity=self, contact=contact) for contact in extracted]
            )
