"""The pipeline's rules: overdue close dates and inactivity reminders (running a sweep twice alerts
once; mails after the commit), stage changes notified to the owner's managers above the threshold,
the activity registry, the home widget."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db.models import Value
from django.db.models.fields import DateTimeField
from django.test import Client
from django.utils import timezone

from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities import activity_registry, rules
from opportunities.models import Opportunity, PipelineSettings, Stage
from opportunities.services import opportunity_create, opportunity_move_stage, opportunity_update
from opportunities.tasks import rules_sweep
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def opportunity_of(tenant: Any, membership: Any, name: str, **extra: Any) -> Opportunity:
    with tenant_scope(tenant):
        account = AccountFactory(owner=membership.user)
        return opportunity_create(
            tenant=tenant,
            actor=membership.user,
            account=account,
            name=name,
            expected_close_date=extra.pop("expected_close_date", datetime.date(2027, 3, 31)),
            **extra,
        )


def test_an_overdue_close_date_alerts_the_owner_once(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    past = timezone.localdate() - datetime.timedelta(days=3)
    overdue = opportunity_of(tenant, rep, "En retard", expected_close_date=past)
    opportunity_of(
        tenant, rep, "À l'heure", expected_close_date=timezone.localdate() + datetime.timedelta(days=3)
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = rules_sweep(tenant_id=tenant.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = rules_sweep(tenant_id=tenant.pk)

    assert (first["overdue"], second["overdue"]) == (1, 0)
    assert [(message.to, "En retard" in message.subject) for message in mail.outbox] == [
        ([rep.user.email], True)
    ]
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=overdue.pk).close_date_alerted_at is not None


def test_a_new_close_date_re_arms_the_alert(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    opportunity = opportunity_of(
        tenant, rep, "En retard", expected_close_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        rules.overdue_close_date_sweep()
        opportunity_update(
            opportunity=opportunity,
            actor=None,
            data={"expected_close_date": timezone.localdate() - datetime.timedelta(days=2)},
        )
        rules.overdue_close_date_sweep()

    assert len(mail.outbox) == 2


def test_the_board_and_detail_mark_an_overdue_card(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    opportunity = opportunity_of(
        tenant, rep, "En retard", expected_close_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    with tenant_scope(tenant):
        rules.overdue_close_date_sweep()
    client = Client()
    client.force_login(rep.user)

    detail = client.get(f"/t/durand/opportunities/{opportunity.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    board = client.get(f"/t/durand/opportunities/board/{opportunity.pipeline_id}/")
    home = client.get("/t/durand/")

    assert detail.context["is_overdue"] is True
    assert board.context["columns"][0]["cards"][0]["is_overdue"] is True
    widget = next(w for w in home.context["widgets"] if w["template"] == "opportunities/home_overdue.html")
    assert [o.name for o in widget["overdue"]] == ["En retard"]


def test_inactivity_reminds_once_per_quiet_period(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    quiet = opportunity_of(tenant, rep, "Calme")
    opportunity_of(tenant, rep, "Active")
    with tenant_scope(tenant):
        PipelineSettings.objects.create(tenant=tenant, inactivity_reminder_days=10)
        Opportunity.objects.filter(pk=quiet.pk).update(
            updated_at=timezone.now() - datetime.timedelta(days=11)
        )

        with django_capture_on_commit_callbacks(execute=True):
            assert rules.inactivity_sweep() == 1
            assert rules.inactivity_sweep() == 0

    assert [message.to for message in mail.outbox] == [[rep.user.email]]


def test_a_registered_activity_provider_counts_as_activity(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    quiet = opportunity_of(tenant, rep, "Calme")
    activity_registry.register("test", lambda: Value(timezone.now(), output_field=DateTimeField()))
    try:
        with tenant_scope(tenant):
            Opportunity.objects.filter(pk=quiet.pk).update(
                updated_at=timezone.now() - datetime.timedelta(days=90)
            )
            assert rules.inactivity_sweep() == 0
    finally:
        activity_registry.unregister("test")


def test_a_big_move_is_notified_to_the_owners_managers_after_the_commit(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    big = opportunity_of(tenant, rep, "Gros contrat", amount=Decimal("90000"))
    small = opportunity_of(tenant, rep, "Petit contrat", amount=Decimal("900"))
    with tenant_scope(tenant):
        PipelineSettings.objects.create(tenant=tenant, manager_notification_threshold=Decimal("50000"))
        abandoned = Stage.objects.get(pipeline__is_default=True, name="Abandonnée")

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            opportunity_move_stage(opportunity=big, stage=abandoned, actor=rep.user)
            opportunity_move_stage(opportunity=small, stage=abandoned, actor=rep.user)
        assert mail.outbox == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()

    assert [sorted(message.to) for message in mail.outbox] == [
        sorted([manager.user.email, director.user.email])
    ]
    assert "Gros contrat" in mail.outbox[0].subject
