"""Task factories of the tasks tests. The tenant comes from the active scope."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from activities.models import Task
from crm.tenancy import current_tenant
from tests.factories import UserFactory


class TaskFactory(factory.django.DjangoModelFactory):
    """A task written directly (no event, no notification): tests of the effects use the services."""

    class Meta:
        model = Task

    tenant = factory.LazyFunction(current_tenant)
    title = factory.Sequence(lambda n: f"Rappeler le client {n:04d}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    assignee = factory.SubFactory(UserFactory)
