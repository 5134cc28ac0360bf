"""/api/v1/calendar-events/: meetings and calls in a range; private events the key may not read are
busy blocks (times only); bad ranges are refused with a reason; another company's events never show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activities.models import Activity
from activities.services import ActivityInput, activity_create
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.accounts.test_api import api, key_for
from tests.activities.factories import ActivityTypeFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _meeting(
    owner: Any, subject: str, *, at: datetime, private: bool = False, kind: str = "meeting"
) -> Activity:
    activity_type = ActivityTypeFactory(code=f"t-{kind}", kind=kind)
    return activity_create(
        data=ActivityInput(
            type=activity_type, subject=subject, owner=owner, starts_at=at, duration_minutes=60,
            status=Activity.Status.PLANNED, is_private=private,
            account=AccountFactory(owner=owner),
        ),
        actor=owner,
    )  # fmt: skip


def test_events_in_range_with_private_ones_as_busy(tenant: Any, other_tenant: Any, member: Any) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    rep = member(tenant, Role.FIELD_SALES_REP)
    key = key_for(tenant, Role.SALES_DIRECTOR, admin)
    with tenant_scope(tenant):
        public = _meeting(rep.user, "Démo chez Durand", at=MONDAY)
        private = _meeting(rep.user, "Rendez-vous médical", at=MONDAY + timedelta(days=1), private=True)
        _meeting(rep.user, "Hors période", at=MONDAY + timedelta(days=40))
        note_type = ActivityTypeFactory(code="t-note", kind="note")
        activity_create(
            data=ActivityInput(type=note_type, subject="Note", owner=rep.user, starts_at=MONDAY),
            actor=rep.user,
        )
    foreign_admin = member(other_tenant, Role.TENANT_ADMIN)
    with tenant_scope(other_tenant):
        _meeting(foreign_admin.user, "Réunion d'ailleurs", at=MONDAY)

    response = api("get", "/api/v1/calendar-events/?start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z", key)
    assert response.status_code == 200, response.json()
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {public.pk, private.pk}
    assert (rows[public.pk]["title"], rows[public.pk]["busy"], rows[public.pk]["uid"]) == (
        "Démo chez Durand", False, public.uid,
    )  # fmt: skip
    busy = rows[private.pk]
    assert busy["busy"] is True
    assert (busy["title"], busy["location"], busy["account"], busy["type_code"]) == ("Busy", "", None, None)
    assert "Rendez-vous médical" not in response.content.decode()

    mine = api(
        "get",
        f"/api/v1/calendar-events/?start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z&owner={admin.user_id}",
        key,
    )
    assert mine.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "start"),
        ("start=2026-12-07T00:00:00Z&end=2026-12-01T00:00:00Z", "end"),
        ("start=2026-01-01T00:00:00Z&end=2026-12-01T00:00:00Z", "end"),
        ("start=lundi&end=2026-12-01T00:00:00Z", "start"),
    ],
)
def test_bad_ranges_are_refused(tenant: Any, member: Any, query: str, field: str) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.SALES_DIRECTOR, admin)
    response = api("get", f"/api/v1/calendar-events/?{query}", key)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
