"""The ICS feed: a secret address per member, parsed back with icalendar; revoked, wrong or foreign
addresses answer 404; private events are "Busy"; the query count does not grow with events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from activities.agenda.services import calendar_feed_regenerate, calendar_feed_revoke
from activities.models import Activity, CalendarSettings
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.activities.factories_agenda import meeting

pytestmark = pytest.mark.django_db
REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS", "LAST-MODIFIED")


@pytest.fixture
def me(tenant: Tenant, member: Callable[..., Membership]) -> Membership:
    return member(tenant, user__full_name="Claire Dupont")


def feed_path(tenant: Tenant, me: Membership) -> str:
    with tenant_scope(tenant):
        row, secret = calendar_feed_regenerate(membership=me)
    return f"/ical/{tenant.pk}/{row.feed_id}/{secret}.ics"


def test_the_feed_is_a_valid_calendar_of_my_meetings_and_calls(
    tenant: Tenant, me: Membership, member: Callable[..., Membership], settings: Any
) -> None:
    settings.CRM_BASE_URL = "https://crm.example.com"
    soon = timezone.now().replace(microsecond=0) + timedelta(days=3)
    with tenant_scope(tenant):
        account = AccountFactory(owner=me.user)
    planned = meeting(tenant, me, starts_at=soon, subject="Démo « Durand »", location="Lyon", account=account)
    meeting(
        tenant,
        me,
        starts_at=soon - timedelta(days=10),
        subject="Appel passé",
        code="outbound_call",
        status=Activity.Status.DONE,
        minutes=20,
    )
    meeting(
        tenant, me, starts_at=soon + timedelta(days=1), subject="Annulée", status=Activity.Status.CANCELLED
    )
    meeting(tenant, me, starts_at=soon, subject="Médecin", is_private=True)
    meeting(tenant, me, starts_at=soon - timedelta(days=200), subject="Trop ancien")
    meeting(tenant, me, starts_at=soon, subject="Une note", code="note")
    meeting(tenant, member(tenant), starts_at=soon, subject="D'un collègue")
    with tenant_scope(tenant):
        whole_day = meeting(tenant, me, starts_at=soon, subject="Salon", minutes=48 * 60, all_day=True)

    response = Client().get(feed_path(tenant, me))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=900"
    assert "Set-Cookie" not in response.headers
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["PRODID"]).startswith("-//CRM//")
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert "Claire Dupont" in str(calendar["X-WR-CALNAME"])
    events = {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}
    for event in events.values():
        for name in REQUIRED:
            assert name in event, (event.get("SUMMARY"), name)
    assert set(events) == {"Démo « Durand »", "Appel passé", "Annulée", "Occupé", "Salon"}
    demo = events["Démo « Durand »"]
    assert str(demo["UID"]) == planned.uid
    assert demo.decoded("DTSTART") == planned.starts_at
    assert demo["DTSTART"].to_ical().endswith(b"Z")
    assert demo.decoded("DTEND") == planned.starts_at + timedelta(hours=1)
    assert str(demo["LOCATION"]) == "Lyon"
    assert str(demo["STATUS"]) == "CONFIRMED"
    # its page in the CRM (which names the account), absolute for the calendar app
    assert f"https://crm.example.com/t/{tenant.slug}/activities/{planned.pk}/" in str(demo["DESCRIPTION"])
    assert str(events["Annulée"]["STATUS"]) == "CANCELLED"
    busy = events["Occupé"]
    assert str(busy["CLASS"]) == "PRIVATE"
    assert "LOCATION" not in busy
    assert "DESCRIPTION" not in busy
    salon = events["Salon"]
    first_day = timezone.localtime(whole_day.starts_at, ZoneInfo("Europe/Paris")).date()
    assert salon.decoded("DTSTART") == first_day
    assert isinstance(salon.decoded("DTSTART"), date)
    assert salon.decoded("DTEND") == first_day + timedelta(days=2)


def test_a_revoked_or_replaced_address_is_404(tenant: Tenant, me: Membership) -> None:
    first = feed_path(tenant, me)
    second = feed_path(tenant, me)

    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    with tenant_scope(tenant):
        calendar_feed_revoke(membership=me)
    assert Client().get(second).status_code == 404


def test_wrong_secret_other_tenant_and_departed_member_are_404(
    tenant: Tenant, other_tenant: Tenant, me: Membership
) -> None:
    path = feed_path(tenant, me)
    _ical, _tenant_id, feed_id, secret = path.strip("/").split("/")
    client = Client()
    assert client.get(f"/ical/{tenant.pk}/{feed_id}/{'x' * 20}.ics").status_code == 404
    assert client.get(f"/ical/{other_tenant.pk}/{feed_id}/{secret}").status_code == 404
    assert client.get(f"/ical/999999/{feed_id}/{secret}").status_code == 404
    assert client.post(path).status_code == 405
    with tenant_scope(tenant):
        Membership.objects.filter(pk=me.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_only_the_hash_of_the_secret_is_stored(tenant: Tenant, me: Membership) -> None:
    path = feed_path(tenant, me)
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    with tenant_scope(tenant):
        row = CalendarSettings.objects.get(user=me.user)
    assert secret not in (row.feed_id, row.feed_secret_hash)
    assert row.feed_secret_hash == CalendarSettings.hash_secret(secret)


def test_feed_query_count_does_not_grow_with_events(
    tenant: Tenant, me: Membership, django_assert_max_num_queries: Any
) -> None:
    path = feed_path(tenant, me)
    soon = timezone.now() + timedelta(days=2)
    meeting(tenant, me, starts_at=soon)
    client = Client()
    with CaptureQueriesContext(connection) as one:
        client.get(path)
    for hours in range(1, 25):
        with tenant_scope(tenant):
            account = AccountFactory(owner=me.user)
        meeting(tenant, me, starts_at=soon + timedelta(hours=hours), subject=f"R{hours}", account=account)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(path)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 25


def test_settings_page_shows_the_address_once(tenant: Tenant, me: Membership) -> None:
    client = Client()
    client.force_login(me.user)

    created = client.post(f"/t/{tenant.slug}/agenda/settings/feed/")
    again = client.get(f"/t/{tenant.slug}/agenda/settings/")

    body = created.content.decode()
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    assert "Copiez cette adresse maintenant" in body
    with tenant_scope(tenant):
        row = CalendarSettings.objects.get(user=me.user)
    assert f"/ical/{tenant.pk}/{row.feed_id}/" in body
    address = body.split(f"/ical/{tenant.pk}/{row.feed_id}/", 1)[1].split(".ics", 1)[0]
    assert CalendarSettings.hash_secret(address) == row.feed_secret_hash
    assert row.feed_id not in again.content.decode()
    assert "Copiez cette adresse maintenant" not in again.content.decode()

    client.post(f"/t/{tenant.slug}/agenda/settings/feed/revoke/")
    with tenant_scope(tenant):
        row.refresh_from_db()
    assert row.feed_secret_hash == ""
    assert row.feed_id == ""


def test_settings_page_saves_the_sharing(tenant: Tenant, me: Membership) -> None:
    client = Client()
    client.force_login(me.user)

    response = client.post(f"/t/{tenant.slug}/agenda/settings/", {"sharing": "shared"})
    refused = client.post(f"/t/{tenant.slug}/agenda/settings/", {"sharing": "everybody"})

    assert response.status_code == 302
    assert refused.status_code == 400
    with tenant_scope(tenant):
        assert CalendarSettings.objects.get(user=me.user).sharing == "shared"


def test_links_are_absolute_without_a_configured_base_url(
    tenant: Tenant, me: Membership, settings: Any
) -> None:
    settings.CRM_BASE_URL = ""
    alone = meeting(tenant, me, starts_at=timezone.now() + timedelta(days=1), subject="Sans compte")

    response = Client().get(feed_path(tenant, me))

    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["URL"]) == f"http://testserver/t/{tenant.slug}/activities/{alone.pk}/"
    assert str(event["URL"]) in str(event["DESCRIPTION"])
