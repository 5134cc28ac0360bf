"""The demo tenant's pipeline (seed_demo): two pipelines, about 25 opportunities across stages and owners,
contact roles, competitors, one overdue close date, a won and a lost one with its reason, a stage
history that matches each stage; running it twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from crm.models import Tenant, User
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, OpportunityContactRole, Pipeline, StageChange

pytestmark = pytest.mark.django_db


def test_the_demo_pipeline() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    tenant = Tenant.objects.get(slug="demo")
    with tenant_scope(tenant):
        assert sorted(Pipeline.objects.values_list("name", flat=True)) == [
            "Nouvelles affaires",
            "Renouvellements",
        ]
        opportunities = list(Opportunity.objects.select_related("stage", "loss_reason"))
        assert len(opportunities) == 25
        assert len({o.owner_id for o in opportunities}) >= 3
        outcomes = {o.stage.outcome for o in opportunities}
        assert {"open", "won", "lost", "abandoned"} <= outcomes
        assert all(o.loss_reason is not None for o in opportunities if o.stage.outcome == "lost")
        assert OpportunityContactRole.objects.exists()
        assert Opportunity.objects.filter(competitors__isnull=False).exists()
        for opportunity in opportunities:
            last = StageChange.objects.filter(opportunity=opportunity).order_by("-changed_at", "-id").first()
            assert last is not None
            assert last.to_stage_id == opportunity.stage_id
        default = Pipeline.objects.get(is_default=True)

    client = Client(headers={"accept-language": "fr"})
    client.force_login(User.objects.get(email="direction@demo.example"))
    board = client.get(f"/t/demo/opportunities/board/{default.pk}/")
    assert board.status_code == 200
    assert sum(column["totals"]["count"] for column in board.context["columns"]) == 19
