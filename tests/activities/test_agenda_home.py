"""The "Today" home widget: the member's meetings and calls of the day in order, their tasks due
today, another member's private meeting never; a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from activities.models import Activity, Task
from activities.services import ActivityInput, activity_create
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.activities.factories import ActivityTypeFactory

pytestmark = pytest.mark.django_db


def _at(hour: int) -> datetime:
    return datetime.combine(timezone.localdate(), time(hour, 0), tzinfo=timezone.get_current_timezone())


def test_today_lists_my_meetings_and_tasks_of_the_day(tenant: Any, client_of: Any, member: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        meeting = ActivityTypeFactory(code="meeting", kind="meeting")
        for owner, subject, hour, private in (
            (rep.user, "Démo chez Durand", 15, False),
            (rep.user, "Point d'équipe", 9, False),
            (colleague.user, "Rendez-vous secret", 11, True),
        ):
            activity_create(
                data=ActivityInput(
                    type=meeting, subject=subject, owner=owner, starts_at=_at(hour), duration_minutes=30,
                    status=Activity.Status.PLANNED, is_private=private,
                ),
                actor=owner,
            )  # fmt: skip
        activity_create(
            data=ActivityInput(
                type=meeting, subject="Demain", owner=rep.user, starts_at=_at(10) + timedelta(days=1),
                status=Activity.Status.PLANNED,
            ),
            actor=rep.user,
        )  # fmt: skip
        Task.objects.create(title="Rappeler Mme Leroy", due_at=_at(12), assignee=rep.user)

    body = client.get("/t/durand/").content.decode()
    section = body[body.index('id="home-today"') :]
    section = section[: section.index("</section>")]

    assert (
        section.index("Point d&#x27;équipe")
        < section.index("Rappeler Mme Leroy")
        < section.index("Démo chez Durand")
    )
    assert "Rendez-vous secret" not in section
    assert "Demain" not in section


def test_an_empty_day_says_so(tenant: Any, client_of: Any) -> None:
    client, _rep = client_of(tenant, Role.FIELD_SALES_REP)

    body = client.get("/t/durand/", headers={"accept-language": "en"}).content.decode()

    assert "Nothing planned today" in body
