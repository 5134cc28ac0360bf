"""The agenda's pages: day, week and month of the member's meetings, calls and open tasks, in the
tenant's time zone, weeks from Monday, French day names; the phone markup; the meeting form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Contact
from activities.models import Activity, Task
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from tests.accounts.factories import ContactFactory
from tests.activities.factories_agenda import meeting

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
DASH = "\u2013"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def rep(client_of: Callable[..., tuple[Client, Membership]], tenant: Tenant) -> tuple[Client, Membership]:
    return client_of(tenant)


def test_week_shows_my_meetings_calls_and_tasks_in_paris_time_from_monday(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, me = rep
    # given: a meeting on Wednesday 2 December 2026 at 14:30 Paris (13:30 UTC), a call on Monday,
    # an open task on Friday, a cancelled meeting and a note (not in the agenda)
    meeting(tenant, me, starts_at=at(2026, 12, 2, 14, 30), subject="Démo Durand", location="Lyon")
    meeting(
        tenant, me, starts_at=at(2026, 11, 30, 8), subject="Appel Martin", code="outbound_call", minutes=15
    )
    meeting(tenant, me, starts_at=at(2026, 12, 1, 10), subject="Annulé", status=Activity.Status.CANCELLED)
    meeting(tenant, me, starts_at=at(2026, 12, 1, 11), subject="Une note", code="note")
    with tenant_scope(tenant):
        Task.objects.create(title="Relancer le devis", assignee=me.user, due_at=at(2026, 12, 4, 17))
        Task.objects.create(
            title="Tâche faite", assignee=me.user, due_at=at(2026, 12, 4, 9), status=Task.Status.DONE
        )

    # when
    response = client.get(f"/t/{tenant.slug}/agenda/week/?date=2026-12-03")

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Démo Durand" in body
    assert f"14:30{DASH}15:30" in body
    assert "Lyon" in body
    assert "Appel Martin" in body
    assert f"08:00{DASH}08:15" in body
    assert "Relancer le devis" in body
    assert "17:00" in body
    assert "Annulé" not in body
    assert "Une note" not in body
    assert "Tâche faite" not in body
    # Monday 30 November first, Sunday 6 December last, French names
    assert body.index("Lundi") < body.index("Dimanche")
    assert "30/11" in body
    assert "06/12" in body
    assert "date=2026-11-23" in body
    assert "date=2026-12-07" in body
    assert 'class="agenda-week"' in body  # one markup: columns at 1280 px, a stacked list at 375 px


def test_day_view_lists_the_day_and_navigates_by_one_day(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, me = rep
    meeting(tenant, me, starts_at=at(2026, 12, 2, 9), subject="Petit-déjeuner")
    meeting(tenant, me, starts_at=at(2026, 12, 3, 9), subject="Le lendemain")

    response = client.get(f"/t/{tenant.slug}/agenda/day/?date=2026-12-02")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Petit-déjeuner" in body
    assert "Le lendemain" not in body
    assert "Mercredi 2 décembre 2026" in body
    assert "date=2026-12-01" in body
    assert "date=2026-12-03" in body
    assert 'class="agenda-list"' in body


def test_month_view_has_a_grid_with_dots_and_a_phone_list(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, me = rep
    meeting(tenant, me, starts_at=at(2026, 12, 15, 16), subject="Revue trimestrielle")

    response = client.get(f"/t/{tenant.slug}/agenda/month/?date=2026-12-20")

    body = response.content.decode()
    assert response.status_code == 200
    assert "décembre 2026" in body
    assert body.count("Revue trimestrielle") == 2  # the grid's chip and the phone list
    assert "agenda-dot agenda-dot--event" in body
    assert 'class="agenda-month-list"' in body
    assert "date=2026-11-01" in body
    assert "date=2027-01-01" in body
    # The grid runs Monday 30 November to Sunday 3 January: five weeks of seven days.
    assert body.count('class="agenda-month__number"') == 35


def test_english_day_names_when_the_member_reads_english(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, _me = rep
    response = client.get(f"/t/{tenant.slug}/agenda/week/?date=2026-12-02", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "Monday" in body
    assert "Sunday" in body
    assert "New meeting" in body


def test_a_meeting_across_midnight_shows_on_both_days(tenant: Tenant, rep: tuple[Client, Membership]) -> None:
    client, me = rep
    meeting(tenant, me, starts_at=at(2026, 12, 2, 23), subject="Salon de nuit", minutes=120)

    body = client.get(f"/t/{tenant.slug}/agenda/week/?date=2026-12-02").content.decode()

    assert body.count("Salon de nuit") == 2
    assert f"23:00{DASH}24:00" in body
    assert f"00:00{DASH}01:00" in body


def test_each_meeting_and_task_opens_its_page(tenant: Tenant, rep: tuple[Client, Membership]) -> None:
    # given a meeting about nothing in particular (no account, no opportunity) and a task
    client, me = rep
    alone = meeting(tenant, me, starts_at=at(2026, 12, 2, 10), subject="Point interne")
    with tenant_scope(tenant):
        task = Task.objects.create(title="Préparer le point", assignee=me.user, due_at=at(2026, 12, 2, 9))
    # when the week is shown
    body = client.get(f"/t/{tenant.slug}/agenda/week/?date=2026-12-02").content.decode()
    # then both are links to their own pages, where they can be read, changed or cancelled
    assert f'href="/t/{tenant.slug}/activities/{alone.pk}/">Point interne</a>' in body
    assert f'href="/t/{tenant.slug}/tasks/{task.pk}/">Préparer le point</a>' in body


def test_bad_dates_fall_back_to_today(tenant: Tenant, rep: tuple[Client, Membership]) -> None:
    client, _me = rep
    for value in ("2026-13-45", "abc", "0001-01-01"):
        response = client.get(f"/t/{tenant.slug}/agenda/day/?date={value}")
        assert response.status_code == 200


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_query_count_does_not_grow_with_meetings(
    tenant: Tenant, rep: tuple[Client, Membership], django_assert_max_num_queries: Any, view: str
) -> None:
    client, me = rep
    url = f"/t/{tenant.slug}/agenda/{view}/?date=2026-12-02"
    meeting(tenant, me, starts_at=at(2026, 12, 2, 9))
    client.get(url)  # warm up (sessions)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for hour in range(8, 20):
        meeting(tenant, me, starts_at=at(2026, 12, 2, hour, 30), subject=f"Réunion {hour}")
        with tenant_scope(tenant):
            Task.objects.create(title=f"Tâche {hour}", assignee=me.user, due_at=at(2026, 12, 2, hour))
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert "Réunion 19" in response.content.decode()


def test_new_meeting_form_plans_a_meeting_with_attendees(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, me = rep
    with tenant_scope(tenant):
        contact = ContactFactory(account__owner=me.user, email="anne@client.example")
    page = client.get(f"/t/{tenant.slug}/agenda/new/?type=demo&starts_at=2026-12-02T10:00")
    assert page.status_code == 200
    assert 'value="2026-12-02T10:00"' in page.content.decode()

    response = client.post(
        f"/t/{tenant.slug}/agenda/new/",
        {
            "type": page.context["form"].initial["type"],
            "subject": "Démonstration produit",
            "starts_at": "2026-12-02T10:00",
            "duration_minutes": "90",
            "location": "Visio",
            "contacts": [contact.pk],
            "is_private": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/t/{tenant.slug}/agenda/day/?date=2026-12-02"
    with tenant_scope(tenant):
        activity = Activity.objects.select_related("type").get(subject="Démonstration produit")
        assert activity.type.code == "demo"
        assert activity.status == Activity.Status.PLANNED
        assert activity.owner_id == me.user_id
        assert activity.starts_at == at(2026, 12, 2, 10)
        assert activity.ends_at == at(2026, 12, 2, 11, 30)
        assert activity.is_private is True
        assert list(activity.contacts.all()) == [contact]
        assert activity.account_id == contact.account_id


def test_new_meeting_form_refuses_a_contact_i_cannot_see(
    tenant: Tenant, rep: tuple[Client, Membership], member: Callable[..., Membership]
) -> None:
    client, _me = rep
    stranger = member(tenant)
    with tenant_scope(tenant):
        hidden = ContactFactory(account__owner=stranger.user, email="cache@client.example")
    page = client.get(f"/t/{tenant.slug}/agenda/new/?type=meeting")

    response = client.post(
        f"/t/{tenant.slug}/agenda/new/",
        {
            "type": page.context["form"].initial["type"],
            "subject": "Réunion",
            "starts_at": "2026-12-02T10:00",
            "duration_minutes": "60",
            "contacts": [hidden.pk],
        },
    )

    assert response.status_code == 400
    assert "contacts" in response.context["form"].errors
    with tenant_scope(tenant):
        assert not Activity.objects.exists()
        assert Contact.objects.filter(pk=hidden.pk).exists()
