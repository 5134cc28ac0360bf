"""Quote numbers under concurrent creation: several connections at once, no gap, no duplicate."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from crm.models import Tenant
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, Quote
from tests.opportunities.factories import OpportunityFactory, make_quote

WORKERS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_take_consecutive_numbers(tenant: Tenant) -> None:
    # Given one opportunity, and six threads (six database connections) ready to create a quote at once
    with tenant_scope(tenant):
        opportunity_id = OpportunityFactory().pk
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with tenant_scope(tenant):
                opportunity = Opportunity.objects.get(pk=opportunity_id)
                barrier.wait(timeout=10)
                make_quote(opportunity=opportunity)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(WORKERS)]
    # When they all create
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then 1..6, each once
    assert errors == []
    year = timezone.localdate().year
    with tenant_scope(tenant):
        numbers = sorted(Quote.objects.values_list("number", flat=True))
    assert numbers == [f"DEV-{year}-{n:05d}" for n in range(1, WORKERS + 1)]
