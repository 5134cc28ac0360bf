"""The calendar sync settings page, against a real Radicale server: connect (tested, password
encrypted and never shown), choose or create the calendar, state and log, pause, sync now,
disconnect. Each member reaches only their own account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from caldav.davclient import DAVClient
from django.test import Client
from django.utils import timezone

from activities.models import Activity, ActivityType
from activities.services.records import ActivityInput, activity_create
from crm import secretbox
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from integrations.caldav import sync
from integrations.models import CalDAVAccount, CalendarLink, SyncLogEntry
from tests.integrations.radicale_server import USERS, RadicaleServer, radicale_running

pytestmark = pytest.mark.django_db

URL = "/t/durand/integrations/calendar/"


@pytest.fixture
def server(tmp_path: Path, settings: Any) -> Iterator[RadicaleServer]:
    settings.CALDAV_ALLOW_PRIVATE_ADDRESSES = True  # the test server is on 127.0.0.1
    yield from radicale_running(tmp_path)


def _connect(client: Client, server: RadicaleServer, password: str = USERS["alice"]) -> Any:
    return client.post(URL, {"url": server.url, "username": "alice", "password": password, "is_active": "on"})


def _account(tenant: Tenant) -> CalDAVAccount:
    with tenant_scope(tenant):
        return CalDAVAccount.objects.get()


def test_the_empty_page_offers_the_connection_form(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], django_assert_max_num_queries: Any
) -> None:
    client, _membership = client_of(tenant)
    with django_assert_max_num_queries(13):
        response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Adresse CalDAV" in body
    assert "Tester la connexion et enregistrer" in body
    assert "Synchroniser maintenant" not in body


def test_connect_choose_create_and_sync(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    client, membership = client_of(tenant)
    # when the user connects
    response = _connect(client, server)
    # then the connection was tested and saved, the password encrypted
    assert response.status_code == 302
    account = _account(tenant)
    assert (account.user_id, account.url, account.username, account.calendar_url) == (
        membership.user_id,
        server.url,
        "alice",
        "",
    )
    assert secretbox.decrypt(account.password_encrypted) == USERS["alice"]
    page = client.get(URL).content.decode()
    assert "Connexion réussie : choisissez maintenant l&#x27;agenda à synchroniser." in page
    assert "Créer un nouvel agenda nommé « CRM »" in page
    assert USERS["alice"] not in page
    assert account.password_encrypted not in page
    # when the user asks for a new "CRM" calendar
    response = client.post(URL + "choose/", {"calendar_url": ""})
    assert response.status_code == 302
    account = _account(tenant)
    names = {
        str(calendar.url): calendar.get_display_name()
        for calendar in DAVClient(url=server.url, username="alice", password=USERS["alice"])
        .principal()
        .calendars()
    }
    assert names == {account.calendar_url: "CRM"}
    # and syncs now: queued, due at once
    response = client.post(URL + "sync/")
    assert response.status_code == 302
    account = _account(tenant)
    assert account.next_attempt_at is not None
    assert account.next_attempt_at <= timezone.now()
    assert "La synchronisation est lancée" in client.get(URL).content.decode()


def test_wrong_password_is_shown_and_nothing_saved(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    client, _membership = client_of(tenant)
    response = _connect(client, server, password="faux")
    assert response.status_code == 400
    assert (
        "Le serveur d&#x27;agenda a refusé le nom d&#x27;utilisateur ou le mot de passe."
        in response.content.decode()
    )
    with tenant_scope(tenant):
        assert not CalDAVAccount.objects.exists()


def test_a_server_that_does_not_answer_is_a_readable_error(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    client, _membership = client_of(tenant)
    server.stop()
    response = _connect(client, server)
    assert response.status_code == 400
    assert "Le serveur d&#x27;agenda est injoignable" in response.content.decode()


def test_state_and_log_are_shown_with_a_fixed_query_count(
    tenant: Tenant,
    client_of: Callable[..., tuple[Client, Membership]],
    server: RadicaleServer,
    django_assert_max_num_queries: Any,
) -> None:
    client, membership = client_of(tenant)
    _connect(client, server)
    client.post(URL + "choose/", {"calendar_url": ""})
    account = _account(tenant)
    with tenant_scope(tenant):
        for code, _label, kind, icon in ActivityType.DEFAULTS:
            ActivityType.objects.get_or_create(code=code, defaults={"kind": kind, "icon": icon})
        for number in range(3):
            activity_create(
                data=ActivityInput(
                    type=ActivityType.objects.get(code="meeting"),
                    subject=f"Rendez-vous {number}",
                    owner=membership.user,
                    starts_at=timezone.now() + timedelta(days=number + 1),
                    duration_minutes=30,
                    status=Activity.Status.PLANNED,
                ),
                actor=membership.user,
            )
        report = sync.account_sync(account_id=account.pk)
    assert report.pushed == 3
    with django_assert_max_num_queries(17):
        body = client.get(URL).content.decode()
    assert body.count("envoyé dans l&#x27;agenda.") == 3
    assert "Événements envoyés" in body
    # an error is shown in the user's language, with the next attempt
    server.stop()
    with tenant_scope(tenant):
        sync.account_sync(account_id=account.pk)
    with django_assert_max_num_queries(17):
        body = client.get(URL).content.decode()
    assert "Dernier passage en échec" in body
    assert "Le serveur d&#x27;agenda est injoignable (adresse erronée ou serveur arrêté)." in body


def test_pause_and_resume(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    client, _membership = client_of(tenant)
    _connect(client, server)
    client.post(URL + "active/", {})
    assert _account(tenant).is_active is False
    assert "Reprendre la synchronisation" in client.get(URL).content.decode()
    client.post(URL + "active/", {"is_active": "on"})
    assert _account(tenant).is_active is True


def test_disconnect_keeps_the_activities(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    client, membership = client_of(tenant)
    _connect(client, server)
    client.post(URL + "choose/", {"calendar_url": ""})
    account = _account(tenant)
    with tenant_scope(tenant):
        meeting_type, _created = ActivityType.objects.get_or_create(
            code="meeting", defaults={"kind": ActivityType.Kind.MEETING}
        )
        activity = activity_create(
            data=ActivityInput(
                type=meeting_type,
                subject="Rendez-vous",
                owner=membership.user,
                starts_at=timezone.now() + timedelta(days=1),
                status=Activity.Status.PLANNED,
            ),
            actor=membership.user,
        )
        sync.account_sync(account_id=account.pk)
        assert CalendarLink.objects.count() == 1
    response = client.post(URL + "disconnect/")
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert not CalDAVAccount.objects.exists()
        assert not CalendarLink.objects.exists()
        assert not SyncLogEntry.objects.filter(kind="caldav").exists()
        assert Activity.objects.filter(pk=activity.pk).exists()


def test_the_actions_need_an_account_of_ones_own(
    tenant: Tenant, client_of: Callable[..., tuple[Client, Membership]], server: RadicaleServer
) -> None:
    owner_client, _owner = client_of(tenant)
    _connect(owner_client, server)
    other_client, _other = client_of(tenant)
    before = _account(tenant)
    for action in ("test/", "choose/", "active/", "sync/", "disconnect/"):
        assert other_client.post(URL + action, {"calendar_url": ""}).status_code == 404
    after = _account(tenant)
    assert (after.pk, after.is_active, after.calendar_url, after.next_attempt_at) == (
        before.pk,
        before.is_active,
        before.calendar_url,
        before.next_attempt_at,
    )
    # and the other member's page shows none of the owner's settings
    assert server.url not in other_client.get(URL).content.decode()


@pytest.mark.parametrize("action", ["", "test/", "choose/", "active/", "sync/", "disconnect/"])
def test_another_tenant_and_anonymous_get_nothing(
    tenant: Tenant,
    other_tenant: Tenant,
    client_of: Callable[..., tuple[Client, Membership]],
    action: str,
) -> None:
    stranger, _membership = client_of(other_tenant)
    assert stranger.post(URL + action).status_code == 404
    anonymous = Client().post(URL + action)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login") or "login" in anonymous["Location"]
