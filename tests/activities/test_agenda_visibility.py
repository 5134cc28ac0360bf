"""Whose agenda a member may open (the owner's sharing: private, team, shared), "Busy" blocks for
private events and events the viewer may not see, the managers' team view; anything else is a 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from activities.models import CalendarSettings
from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.activities.factories_agenda import meeting, sharing
from tests.factories import TeamFactory, TeamMemberFactory

PARIS = ZoneInfo("Europe/Paris")
WHEN = datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)
pytestmark = pytest.mark.django_db
DASH = "\u2013"


@pytest.fixture
def people(tenant: Tenant, member: Callable[..., Membership]) -> dict[str, Membership]:
    """A manager, her report (the owner of the agenda), a teammate of the report, a stranger."""
    manager = member(tenant, Role.SALES_MANAGER)
    owner = member(tenant, manager=manager)
    teammate = member(tenant)
    stranger = member(tenant)
    with tenant_scope(tenant):
        team = TeamFactory(name="Grands comptes")
        TeamMemberFactory(team=team, membership=owner)
        TeamMemberFactory(team=team, membership=teammate)
        account = AccountFactory(owner=owner.user, legal_name="Durand SA")
    meeting(tenant, owner, starts_at=WHEN, subject="Négociation Durand", account=account)
    meeting(tenant, owner, starts_at=WHEN.replace(hour=15), subject="Rendez-vous médecin", is_private=True)
    return {"manager": manager, "owner": owner, "teammate": teammate, "stranger": stranger}


def client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def week_of(tenant: Tenant, viewer: Membership, owner: Membership) -> Any:
    return client_for(viewer).get(f"/t/{tenant.slug}/agenda/week/?date=2026-12-02&user={owner.user_id}")


@pytest.mark.parametrize(
    ("level", "allowed"),
    [
        (CalendarSettings.Sharing.PRIVATE, set()),
        (CalendarSettings.Sharing.TEAM, {"manager", "teammate"}),
        (CalendarSettings.Sharing.SHARED, {"manager", "teammate", "stranger"}),
    ],
)
def test_who_opens_a_colleagues_agenda(
    tenant: Tenant, people: dict[str, Membership], level: str, allowed: set[str]
) -> None:
    sharing(tenant, people["owner"], level)
    for name in ("manager", "teammate", "stranger"):
        response = week_of(tenant, people[name], people["owner"])
        assert response.status_code == (200 if name in allowed else 404), (level, name)
        if name not in allowed:
            assert "Négociation" not in response.content.decode()


def test_team_is_the_default_sharing(tenant: Tenant, people: dict[str, Membership]) -> None:
    assert week_of(tenant, people["manager"], people["owner"]).status_code == 200
    assert week_of(tenant, people["stranger"], people["owner"]).status_code == 404


def test_private_events_are_busy_blocks_for_others(tenant: Tenant, people: dict[str, Membership]) -> None:
    sharing(tenant, people["owner"], CalendarSettings.Sharing.SHARED)

    manager_view = week_of(tenant, people["manager"], people["owner"]).content.decode()
    own_view = week_of(tenant, people["owner"], people["owner"]).content.decode()

    assert "Négociation Durand" in manager_view  # the manager sees the account and its meeting
    assert "Rendez-vous médecin" not in manager_view
    assert "Occupé" in manager_view
    assert f"15:00{DASH}16:00" in manager_view
    assert "Rendez-vous médecin" in own_view
    assert "Occupé" not in own_view


def test_events_of_records_the_viewer_cannot_see_are_busy_too(
    tenant: Tenant, people: dict[str, Membership]
) -> None:
    sharing(tenant, people["owner"], CalendarSettings.Sharing.SHARED)

    body = week_of(tenant, people["stranger"], people["owner"]).content.decode()

    assert "Négociation Durand" not in body
    assert "Durand SA" not in body
    assert body.count("Occupé") == 2


def test_unknown_user_and_a_user_of_another_tenant_are_404(
    tenant: Tenant, other_tenant: Tenant, people: dict[str, Membership], member: Callable[..., Membership]
) -> None:
    outsider = member(other_tenant)
    sharing(tenant, people["owner"], CalendarSettings.Sharing.SHARED)
    client = client_for(people["owner"])
    for value in (str(outsider.user_id), "999999", "abc"):
        assert client.get(f"/t/{tenant.slug}/agenda/week/?user={value}").status_code == 404


def test_the_picker_lists_the_agendas_i_may_open(tenant: Tenant, people: dict[str, Membership]) -> None:
    sharing(tenant, people["stranger"], CalendarSettings.Sharing.PRIVATE)
    body = client_for(people["manager"]).get(f"/t/{tenant.slug}/agenda/week/").content.decode()
    assert people["owner"].user.get_full_name() in body
    assert people["stranger"].user.get_full_name() not in body


def test_team_view_shows_the_reports_a_manager_may_see(
    tenant: Tenant, people: dict[str, Membership], member: Callable[..., Membership]
) -> None:
    hidden_report = member(tenant, manager=people["manager"])
    sharing(tenant, hidden_report, CalendarSettings.Sharing.PRIVATE)
    meeting(tenant, hidden_report, starts_at=WHEN, subject="Secret de Paul")

    response = client_for(people["manager"]).get(f"/t/{tenant.slug}/agenda/team/?date=2026-12-02")

    body = response.content.decode()
    assert response.status_code == 200
    assert people["owner"].user.get_full_name() in body
    assert "Négociation Durand" in body
    assert "Occupé" in body
    assert "Secret de Paul" not in body
    assert hidden_report.user.get_full_name() not in body


def test_team_view_of_someone_without_reports_is_empty(tenant: Tenant, people: dict[str, Membership]) -> None:
    body = client_for(people["stranger"]).get(f"/t/{tenant.slug}/agenda/team/").content.decode()
    assert "Négociation" not in body
    assert "Aucune des personnes" in body


def test_team_view_query_count_does_not_grow_with_reports_and_meetings(
    tenant: Tenant,
    people: dict[str, Membership],
    member: Callable[..., Membership],
    django_assert_max_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(people["manager"])
    url = f"/t/{tenant.slug}/agenda/team/?date=2026-12-02"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(5):
        report = member(tenant, manager=people["manager"])
        for hour in (9, 11, 14):
            meeting(tenant, report, starts_at=WHEN.replace(hour=hour), subject=f"Visite {number}-{hour}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert "Visite 4-14" in response.content.decode()
